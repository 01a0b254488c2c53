"""The blueprints, registered in this order by create_app()."""

from .dumps import bp as dumps_bp
from .home import bp as home_bp
from .ldes import bp as ldes_bp
from .meta import bp as meta_bp
from .resources import bp as resources_bp
from .sparql import bp as sparql_bp

BLUEPRINTS = [home_bp, resources_bp, dumps_bp, meta_bp, sparql_bp, ldes_bp]
