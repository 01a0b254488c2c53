"""The blueprints, registered in this order by create_app()."""

from .home import bp as home_bp

BLUEPRINTS = [home_bp]
