"""The blueprints, registered in this order by create_app()."""

from .home import bp as home_bp
from .resources import bp as resources_bp
from .sparql import bp as sparql_bp

BLUEPRINTS = [home_bp, resources_bp, sparql_bp]
