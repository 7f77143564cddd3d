"""Files made from the scene and the mechanics: still images, animations (GIF/MP4), lesson
folders (PNG + text + index) and tables (CSV/JSON). Uses the render layer and the lessons;
nothing below imports it."""
