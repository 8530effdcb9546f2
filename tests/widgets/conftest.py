"""When run for ipywidgets 7.7 (test_ipywidgets7.py), make sure 7.7 is what was imported."""

import os

import ipywidgets


def pytest_report_header(config):
    return f"ipywidgets {ipywidgets.__version__}"


expected = os.environ.get("COURSE_EXPECT_IPYWIDGETS")
if expected and not ipywidgets.__version__.startswith(expected):
    raise RuntimeError(f"expected ipywidgets {expected}.x, imported {ipywidgets.__version__} from {ipywidgets.__file__}")
