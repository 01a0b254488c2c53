"""The products of a version, one module per product, each written once by the build."""
