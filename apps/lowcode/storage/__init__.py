"""Storage: DocType JSON turned into Django models, and the document base class.

The lowest layer. It may import ``lowcode.meta`` definitions (pure parsing) but never
``query``, ``permissions``, ``documents`` (actions) or views.
"""
