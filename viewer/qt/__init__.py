"""The desktop application (PySide6 + pyvistaqt): main window, panels, playback timer.

The only package that imports Qt. It turns user input into changes of the session state
(:mod:`viewer.state`) and lets the render layer (:mod:`viewer.render.scene`) draw them.
"""
