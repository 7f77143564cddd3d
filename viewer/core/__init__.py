"""Pure-numpy core: anatomy records, kinematics, muscle paths, moment arms, actions.

Nothing in this package imports Qt, VTK, PyVista or any file-format library.
"""
