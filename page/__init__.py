"""The chat page, a face people touch: Gradio Blocks over :class:`~answering.chain.Savol`.

``chat_app.py`` (or ``savol serve``) is its entry; :mod:`page.app` holds ``respond`` and
``build_app``, :mod:`page.render` what the page shows, :mod:`page.text` its words in each
reader language, :mod:`page.http` the guards every request passes.
"""
