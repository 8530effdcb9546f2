"""Interactive widgets for the lectures; each module has a ``make_*()`` that returns the widget.

Nothing is displayed on import. Only core ipywidgets and matplotlib (Agg) are
used, so the widgets run in JupyterLab and in Google Colab.
"""
