"""Writes wrap_test_model.osim beside this script: a pelvis, femur and tibia with every wrap type and path-point
type the importer reads (run: python make_wrap_test_model.py wrap_test_model.osim)."""
import sys
def vec(v): return " ".join(f"{x:g}" for x in v)
def point(name, body, loc):
    return f"""<PathPoint name="{name}"><socket_parent_frame>/bodyset/{body}</socket_parent_frame><location>{vec(loc)}</location></PathPoint>"""
def cond(name, body, loc, coord, lo, hi):
    return f"""<ConditionalPathPoint name="{name}"><socket_parent_frame>/bodyset/{body}</socket_parent_frame><location>{vec(loc)}</location><socket_coordinate>/jointset/{coord}</socket_coordinate><range>{lo:g} {hi:g}</range></ConditionalPathPoint>"""
def moving(name, body, xs, ys, ypos, zpos, coordinate="knee/knee_angle"):
    return f"""<MovingPathPoint name="{name}"><socket_parent_frame>/bodyset/{body}</socket_parent_frame>
<socket_x_coordinate>/jointset/{coordinate}</socket_x_coordinate><socket_y_coordinate>/jointset/{coordinate}</socket_y_coordinate><socket_z_coordinate>/jointset/{coordinate}</socket_z_coordinate>
<x_location><SimmSpline><x>{vec(xs)}</x><y>{vec(ys)}</y></SimmSpline></x_location>
<y_location><Constant><value>{ypos:g}</value></Constant></y_location>
<z_location><Constant><value>{zpos:g}</value></Constant></z_location></MovingPathPoint>"""
def muscle(name, pts, wraps=(), method="hybrid"):
    pw = "".join(f"""<PathWrap name="{name}_w{k}"><wrap_object>{w}</wrap_object><method>{method}</method><range>{r[0]} {r[1]}</range></PathWrap>""" for k,(w,r) in enumerate(wraps))
    return f"""<Thelen2003Muscle name="{name}"><GeometryPath name="geometrypath"><PathPointSet><objects>{"".join(pts)}</objects></PathPointSet>
<PathWrapSet><objects>{pw}</objects></PathWrapSet></GeometryPath>
<max_isometric_force>500</max_isometric_force><optimal_fiber_length>0.08</optimal_fiber_length><tendon_slack_length>0.1</tendon_slack_length><pennation_angle_at_optimal>0.1</pennation_angle_at_optimal></Thelen2003Muscle>"""
def wrap(tag, name, rot, trans, extra, quadrant="all"):
    return f"""<{tag} name="{name}"><xyz_body_rotation>{vec(rot)}</xyz_body_rotation><translation>{vec(trans)}</translation><quadrant>{quadrant}</quadrant>{extra}</{tag}>"""
def body(name, wraps=""):
    return f"""<Body name="{name}"><mass>5</mass><mass_center>0 0 0</mass_center><inertia>0.1 0.1 0.1 0 0 0</inertia><WrapObjectSet><objects>{wraps}</objects></WrapObjectSet></Body>"""
def coord(name, default=0.0):
    return f"""<Coordinate name="{name}"><default_value>{default:g}</default_value><range>-2 2</range></Coordinate>"""
def taxis(name, coords, axis, fn):
    return f"""<TransformAxis name="{name}"><coordinates>{coords}</coordinates><axis>{vec(axis)}</axis>{fn}</TransformAxis>"""
lin = "<LinearFunction name=\"function\"><coefficients>1 0</coefficients></LinearFunction>"
zero = "<Constant name=\"function\"><value>0</value></Constant>"

femur_wraps = (wrap("WrapSphere", "head", (0,0,0), (0,0,0), "<radius>0.024</radius>")
    + wrap("WrapCylinder", "neck", (0.3,-0.6,0.2), (0.01,-0.03,0.02), "<radius>0.011</radius><length>0.08</length>")
    + wrap("WrapEllipsoid", "troch", (0.2,0.4,-0.3), (-0.02,-0.04,0.02), "<dimensions>0.03 0.022 0.016</dimensions>")
    + wrap("WrapEllipsoid", "troch_side", (0.1,-0.2,0.3), (-0.012,-0.07,0.045), "<dimensions>0.028 0.02 0.018</dimensions>", "-x")
    + wrap("WrapTorus", "ring", (0,0,0), (0,-0.2,0), "<inner_radius>0.01</inner_radius><outer_radius>0.03</outer_radius>")
    + wrap("WrapTorus", "ring_half", (1.2,0.3,0), (0.01,-0.15,0.02), "<inner_radius>0.008</inner_radius><outer_radius>0.035</outer_radius>", "-y"))
pelvis_wraps = (wrap("WrapSphere", "ischium", (0,0,0), (-0.1,-0.11,0.07), "<radius>0.02</radius>", "-x")
    + wrap("WrapCylinder", "tuber", (1.5708,0,0), (-0.09,-0.12,0.08), "<radius>0.015</radius><length>0.1</length>", "-y"))
bodies = body("pelvis", pelvis_wraps) + body("femur", femur_wraps) + body("tibia")

hip = f"""<CustomJoint name="hip_r"><socket_parent_frame>pelvis_offset</socket_parent_frame><socket_child_frame>femur_offset</socket_child_frame>
<coordinates>{coord("hip_flexion_r")}{coord("hip_adduction_r")}{coord("hip_rotation_r")}</coordinates>
<frames><PhysicalOffsetFrame name="pelvis_offset"><socket_parent>/bodyset/pelvis</socket_parent><translation>-0.07 -0.066 0.083</translation><orientation>0.1 0.2 -0.1</orientation></PhysicalOffsetFrame>
<PhysicalOffsetFrame name="femur_offset"><socket_parent>/bodyset/femur</socket_parent><translation>0.004 0.01 -0.003</translation><orientation>-0.05 0.1 0.08</orientation></PhysicalOffsetFrame></frames>
<SpatialTransform>{taxis("rotation1","hip_flexion_r",(0,0,1),lin)}{taxis("rotation2","hip_adduction_r",(1,0,0),lin)}{taxis("rotation3","hip_rotation_r",(0,1,0),lin)}
{taxis("translation1","",(1,0,0),zero)}{taxis("translation2","",(0,1,0),zero)}{taxis("translation3","",(0,0,1),zero)}</SpatialTransform></CustomJoint>"""
knee = f"""<PinJoint name="knee"><socket_parent_frame>femur_knee</socket_parent_frame><socket_child_frame>tibia_offset</socket_child_frame>
<coordinates>{coord("knee_angle", -0.4)}</coordinates>
<frames><PhysicalOffsetFrame name="femur_knee"><socket_parent>/bodyset/femur</socket_parent><translation>0 -0.4 0</translation><orientation>0 0 0</orientation></PhysicalOffsetFrame>
<PhysicalOffsetFrame name="tibia_offset"><socket_parent>/bodyset/tibia</socket_parent><translation>0 0 0</translation><orientation>0 0 0</orientation></PhysicalOffsetFrame></frames></PinJoint>"""
ground = """<WeldJoint name="ground_pelvis"><socket_parent_frame>ground_offset</socket_parent_frame><socket_child_frame>pelvis_offset</socket_child_frame>
<frames><PhysicalOffsetFrame name="ground_offset"><socket_parent>/ground</socket_parent><translation>0 1 0</translation><orientation>0 0 0</orientation></PhysicalOffsetFrame>
<PhysicalOffsetFrame name="pelvis_offset"><socket_parent>/bodyset/pelvis</socket_parent><translation>0 0 0</translation><orientation>0 0 0</orientation></PhysicalOffsetFrame></frames></WeldJoint>"""

P_post = (-0.12, 0.02, 0.05)
muscles = [
    muscle("head_wrap", [point("o","pelvis",(0.0,-0.02,0.03)), point("i","femur",(-0.01,-0.06,0.02))], [("head",(-1,-1))]),
    muscle("neck_wrap", [point("o","pelvis",(-0.11,-0.09,0.05)), point("i","femur",(0.0,-0.02,0.06))], [("neck",(-1,-1))]),
    muscle("troch_wrap", [point("o","pelvis",P_post), point("v","pelvis",(-0.1,-0.04,0.09)), point("i","femur",(-0.01,-0.1,0.035))], [("troch",(2,3))]),
    muscle("troch_side_wrap", [point("o","pelvis",(-0.11,0.0,0.08)), point("i","femur",(0.0,-0.1,0.03))], [("troch_side",(-1,-1))]),
    muscle("ischium_wrap", [point("o","pelvis",(-0.09,-0.06,0.02)), point("i","femur",(-0.025,-0.065,0.035))], [("ischium",(-1,-1))]),
    muscle("tuber_wrap", [point("o","pelvis",(-0.1,-0.09,0.03)), point("i","femur",(-0.015,-0.04,0.03))], [("tuber",(-1,-1))]),
    muscle("conditional_points", [point("o","pelvis",(0.0,0.03,0.09)), point("v","pelvis",(0.025,-0.055,0.08)),
        cond("c1","pelvis",(0.03,-0.08,0.082),"hip_r/hip_flexion_r",-1.5708,0.7854),
        cond("c2","femur",(0.01,-0.06,0.01),"hip_r/hip_adduction_r",-0.1,1.0),
        point("i","femur",(-0.018,-0.062,0.013))]),
    muscle("moving_point", [point("o","pelvis",(-0.13,-0.1,0.06)), point("v","femur",(-0.03,-0.3,0.0)),
        moving("m","femur",(-1.0,-0.5,0.0,0.5),(-0.02,-0.035,-0.04,-0.03),-0.38,0.01), point("i","tibia",(-0.02,-0.05,0.0))]),
    muscle("hip_moving", [point("o","pelvis",(0.01,0.0,0.05)), moving("m","femur",(-1.0,0.0,1.0,2.0),(-0.02,-0.01,0.0,0.01),-0.2,0.03,
           "hip_r/hip_flexion_r"), point("i","femur",(0.0,-0.3,0.05))]),
    muscle("torus_wrap", [point("o","pelvis",(0.0,0.0,0.05)), point("i","femur",(0.0,-0.3,0.0))], [("ring",(-1,-1))]),
    muscle("troch_midpoint", [point("o","pelvis",P_post), point("v","pelvis",(-0.1,-0.04,0.09)), point("i","femur",(-0.01,-0.1,0.035))], [("troch",(2,3))], "midpoint"),
    muscle("troch_axial", [point("o","pelvis",P_post), point("v","pelvis",(-0.1,-0.04,0.09)), point("i","femur",(-0.01,-0.1,0.035))], [("troch",(2,3))], "axial"),
    muscle("ring_half_wrap", [point("o","pelvis",(0.02,0.0,0.06)), point("i","femur",(0.0,-0.3,0.02))], [("ring_half",(-1,-1))]),
    muscle("two_wraps", [point("o","pelvis",(-0.1,-0.09,0.03)), point("v","femur",(-0.015,-0.04,0.03)), point("i","femur",(-0.01,-0.1,0.035))],
           [("tuber",(1,2)), ("troch",(2,3))]),
    muscle("one_sided", [point("o","pelvis",(0.0,0.05,0.1)), point("i","pelvis",(0.02,-0.05,0.1))]),
]
doc = f"""<?xml version="1.0" encoding="UTF-8" ?>
<OpenSimDocument Version="40000">
<Model name="wrap_test_model">
<credits>Test model of the hip anatomy viewer: every wrap and path-point type on a three-body leg.</credits>
<length_units>meters</length_units><force_units>N</force_units>
<Ground name="ground"/>
<BodySet><objects>{bodies}</objects></BodySet>
<JointSet><objects>{ground}{hip}{knee}</objects></JointSet>
<ForceSet><objects>{"".join(muscles)}</objects></ForceSet>
</Model>
</OpenSimDocument>
"""
open(sys.argv[1], "w").write(doc)
