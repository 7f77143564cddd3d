"""Hip anatomy viewer: the anatomy and mechanics of the right hip, for teaching."""

__version__ = "0.1.0"
