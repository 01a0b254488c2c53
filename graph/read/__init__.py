"""What requests read: resource descriptions, the catalogue, the dataset description."""
