"""restag.training: fine-tune the restag network (``restag train``).

:class:`~restag.training.config.TrainConfig` holds the recipe; :func:`restag.training.train.train`
runs it and writes a model artifact; ``python -m restag.training.report`` prints its dev figures.
"""
