"""End-to-end tests: a real JupyterLab server driven by headless Chromium (see conftest.py)."""
