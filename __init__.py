"""restag: label UN General Assembly resolution paragraphs with UNIDO thematic priorities
(poverty, trade, environment) and operative force (preambular ... decisional).

Subpackages: ``restag.data`` (read and segment), ``restag.model`` (encode and classify),
``restag.training`` (fine-tune), ``restag.eval`` (measure and report).
"""

__version__ = "0.1.0"
