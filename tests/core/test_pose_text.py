import numpy as np
import pytest

from viewer.core.errors import DataError
from viewer.core.pose_text import parse_pose, parse_sweep


def test_pose_with_names_and_aliases():
    np.testing.assert_allclose(parse_pose("flexion=90,abduction=0,external_rotation=10"), [90, 0, 10])
    np.testing.assert_allclose(parse_pose("extension=10, internal-rotation=20"), [-10, 0, -20])


@pytest.mark.parametrize(
    "text, message",
    [
        ("flexion90", "malformed pose item 'flexion90'"),
        ("flexion=ninety", "angle for flexion 'ninety' is not a number"),
        ("twist=3", "unknown pose coordinate 'twist'"),
        ("flexion=10,extension=5", "flexion is given twice"),
        ("flexion=150", "flexion=150 deg is outside the joint's range"),
    ],
)
def test_bad_pose_text(text, message):
    with pytest.raises(DataError) as err:
        parse_pose(text)
    assert message in str(err.value)
    assert str(err.value).startswith("--pose: ")


def test_sweep():
    col, angles = parse_sweep("flexion=0:90:15")
    assert col == 0
    np.testing.assert_allclose(angles, [0, 15, 30, 45, 60, 75, 90])
    col, angles = parse_sweep("internal_rotation=0:30:10")
    np.testing.assert_allclose(angles, [0, -10, -20, -30])
    with pytest.raises(DataError, match="step -5 must be positive"):
        parse_sweep("flexion=0:90:-5")
    with pytest.raises(DataError, match="outside the joint's range"):
        parse_sweep("flexion=0:150:10")
