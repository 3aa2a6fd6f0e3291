"""The routine format: exercises and routines as YAML files, their models, loading and validation."""
