"""The lab: the evaluation and benchmark harnesses, run from a source checkout (``python -m lab ...``).

They only measure the product, so they stay out of the installed package (``pip install .`` and the desktop
bundles carry ``rehabcoach`` alone); they import ``rehabcoach`` and measure exactly what patients run.
``rehabcoach`` never imports ``lab`` (a contract in pyproject.toml, checked with the tests).
"""
