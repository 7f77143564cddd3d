"""Opening and closing the window many times in one process: no crash, no unbounded growth."""

from __future__ import annotations

import gc
import sys

import pytest

from tests.qt.conftest import close_window, non_background_pixels, wait_frame

CYCLES = 20
#: Growth allowed between the 5th and the 20th window (MB): allocator noise, caches filled once.
ALLOWED_GROWTH_MB = 60.0


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux /proc)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("VmRSS not found")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for resident memory")
def test_open_and_close_twenty_times(qtbot, model, settings):
    from viewer.qt.main_window import MainWindow

    samples = []
    for cycle in range(CYCLES):
        window = MainWindow(model, settings=settings)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        wait_frame(qtbot, window)
        if cycle in (0, CYCLES - 1):
            image = window.viewport.image()
            assert non_background_pixels(image) > 0.05 * image.shape[0] * image.shape[1]
        window.state.set_pose((30, 10, 20))  # exercise the per-frame path once per window
        window.state.select("piriformis")
        wait_frame(qtbot, window)
        close_window(window)
        gc.collect()
        samples.append(rss_mb())
    growth = samples[-1] - samples[4]
    assert growth < ALLOWED_GROWTH_MB, f"resident memory grew {growth:.0f} MB over {CYCLES - 5} windows: {samples}"
