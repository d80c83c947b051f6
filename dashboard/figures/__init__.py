"""Publication figures: the engine that draws the dashboard's HoloViews elements with
matplotlib in journal style (:mod:`.engine`) and the study's six figures built from a
campaign (:mod:`.paper`). ``dashboard.figures.X`` keeps working for every name below."""

from .engine import (
    DPI,
    FONTSIZE,
    FORMATS,
    RC,
    WIDTHS_IN,
    campaign_hashes,
    campaign_referencing,
    dataset_hashes,
    fit_summary,
    layout,
    provenance,
    raw_hashes,
    render,
    save,
    to_matplotlib,
    zip_bytes,
)
from .paper import (
    BUILDERS,
    FIGURES,
    Figure,
    PakeElement,
    PaperFigure,
    build_all,
    evolution_element,
    evolution_figure,
    figure_1,
    figure_2,
    figure_3,
    figure_4,
    figure_5,
    figure_6,
    pake_element,
)

__all__ = ["BUILDERS", "DPI", "FIGURES", "FONTSIZE", "FORMATS", "RC", "WIDTHS_IN", "Figure",
           "PakeElement", "PaperFigure", "build_all", "campaign_hashes",
           "campaign_referencing", "dataset_hashes", "evolution_element", "evolution_figure",
           "figure_1", "figure_2", "figure_3", "figure_4", "figure_5", "figure_6", "fit_summary",
           "layout", "pake_element", "provenance", "raw_hashes", "render", "save",
           "to_matplotlib", "zip_bytes"]
