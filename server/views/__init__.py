"""The blueprints, registered in this order by create_app(): thin views that parse the
request, read through graph/read/ (with the store, settings and URLs from server/context.py),
build a page model (server/pages/) or a representation (server/representations.py) and
answer. Nothing app-wide is registered here: hooks and template globals belong to the
factory (server/__init__.py).

Imported by server/__init__.py only (and bench/ and the tests for the SPARQL EXAMPLES).
"""

from .dumps import bp as dumps_bp
from .home import bp as home_bp
from .ldes import bp as ldes_bp
from .meta import bp as meta_bp
from .resources import bp as resources_bp
from .sparql import bp as sparql_bp

BLUEPRINTS = [home_bp, resources_bp, dumps_bp, meta_bp, sparql_bp, ldes_bp]
