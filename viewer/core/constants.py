"""Physical and anatomical constants of the mechanics, each with its source.

Geometry is in millimetres, forces in newtons, areas in square centimetres (PRODUCT.md).
"""

from __future__ import annotations

#: Specific tension of skeletal muscle (N/cm^2): the value of Arnold et al. 2010 (Ann Biomed
#: Eng 38:269-279), chosen so that model joint torques matched dynamometer measurements; it sits
#: in the range reported for human muscle. Torque potential = r x PCSA x this.
SPECIFIC_TENSION_N_PER_CM2 = 61.0

#: A moment arm within this many mm of zero is "negligible": about a tenth of a typical deep
#: rotator's moment arm and below what the simplified bone and path geometry can resolve, so a
#: smaller value carries no sign a teacher should read.
NEGLIGIBLE_MOMENT_ARM_MM = 2.0

#: Intensity scales of the role colours: moment arm (mm) and torque potential (N m) drawn at
#: full colour. A large gluteal moment arm is about 40-60 mm (Delp et al. 1999, J Biomech
#: 32:493-501); smaller values fade towards grey so that strong actors stand out.
FULL_COLOUR_MOMENT_ARM_MM = 40.0
FULL_COLOUR_TORQUE_NM = 40.0
