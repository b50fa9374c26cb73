"""The expert group's published criteria, the default rubric of a new edition."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# (name, description); each weighs 1 unless the secretariat changes it.
DEFAULT_CRITERIA = [
    (
        _l("Relevance to the action line"),
        _l("How closely the project serves the category's WSIS action line."),
    ),
    (_l("Results and impact"), _l("Qualitative and quantitative results the project has shown.")),
    (
        _l("Community empowerment"),
        _l("How far the project puts its community in charge of its own development."),
    ),
    (_l("Replicability"), _l("Whether others could repeat the project elsewhere.")),
    (_l("Sustainability"), _l("Whether the project can go on without its first funding.")),
    (_l("Partnerships"), _l("The partners the project brought together and how.")),
    (
        _l("Promotion of WSIS values"),
        _l("How the project advances the WSIS vision of an inclusive information society."),
    ),
    (
        _l("Relevance to the SDGs"),
        _l("The project's links to the Sustainable Development Goals it advances."),
    ),
]
