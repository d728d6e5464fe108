"""Make a tiny .blend for rscript's Blender background renderer.

    blender -b --factory-startup --python make_blend.py -- out.blend [--res WxH] [--samples N] [--frames N] [--denoise]

The scene: a camera, a sun light, a ground plane, a cube and a sphere; Cycles on the CPU with few
samples and NO denoising (Debian's Blender is built without OpenImageDenoise, so a scene that asks
for denoising cannot render there). `--denoise` turns denoising on, to try the plugin's error
message about it. Then render it with

    rscript render out.blend --renderer Blender --res 64x64
"""

import math
import os
import sys

import bpy


def parse_args(argv):
    args = argv[argv.index("--") + 1:] if "--" in argv else []
    if not args or args[0].startswith("--"):
        raise SystemExit("usage: blender -b --python make_blend.py -- out.blend [--res WxH] [--samples N] [--frames N] [--denoise]")
    out, res, samples, denoise = args[0], (64, 64), 8, False
    global FRAMES
    i = 1
    while i < len(args):
        if args[i] == "--res":
            w, h = args[i + 1].lower().split("x")
            res = (int(w), int(h))
            i += 2
        elif args[i] == "--samples":
            samples = int(args[i + 1])
            i += 2
        elif args[i] == "--frames":
            FRAMES = int(args[i + 1])
            i += 2
        elif args[i] == "--denoise":
            denoise = True
            i += 1
        else:
            raise SystemExit("make_blend.py: unknown argument %r" % args[i])
    # Blender's save wants an absolute path; the usage line shows a relative one.
    return os.path.abspath(out), res, samples, denoise


FRAMES = 1


def material(name, rgb):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    bsdf = mat.node_tree.nodes.get("Principled BSDF")
    bsdf.inputs["Base Color"].default_value = (rgb[0], rgb[1], rgb[2], 1.0)
    bsdf.inputs["Roughness"].default_value = 0.35
    return mat


def main():
    out, (res_x, res_y), samples, denoise = parse_args(sys.argv)

    # Start from an empty scene (the factory startup file has a cube, a camera and a light).
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene

    bpy.ops.mesh.primitive_plane_add(size=10, location=(0, 0, 0))
    bpy.context.object.name = "Ground"
    bpy.context.object.data.materials.append(material("Ground", (0.6, 0.6, 0.6)))

    bpy.ops.mesh.primitive_cube_add(size=1.2, location=(-0.9, 0, 0.6), rotation=(0, 0, math.radians(25)))
    bpy.context.object.name = "Cube"
    bpy.context.object.data.materials.append(material("Red", (0.8, 0.1, 0.08)))

    bpy.ops.mesh.primitive_uv_sphere_add(radius=0.6, location=(0.9, 0.3, 0.6), segments=24, ring_count=12)
    bpy.context.object.name = "Sphere"
    bpy.ops.object.shade_smooth()
    bpy.context.object.data.materials.append(material("Blue", (0.1, 0.3, 0.8)))

    bpy.ops.object.light_add(type="SUN", location=(3, -3, 6), rotation=(math.radians(40), 0, math.radians(30)))
    bpy.context.object.name = "Sun"
    bpy.context.object.data.energy = 3.0

    bpy.ops.object.camera_add(location=(0, -5.5, 2.6), rotation=(math.radians(68), 0, 0))
    bpy.context.object.name = "Camera"
    scene.camera = bpy.context.object

    world = bpy.data.worlds.new("World")
    world.use_nodes = True
    world.node_tree.nodes["Background"].inputs["Color"].default_value = (0.4, 0.5, 0.7, 1.0)
    world.node_tree.nodes["Background"].inputs["Strength"].default_value = 0.6
    scene.world = world

    render = scene.render
    render.engine = "CYCLES"
    render.resolution_x = res_x
    render.resolution_y = res_y
    render.resolution_percentage = 100
    render.image_settings.file_format = "PNG"
    render.use_persistent_data = False

    cycles = scene.cycles
    cycles.device = "CPU"
    cycles.samples = samples
    cycles.preview_samples = samples
    cycles.use_adaptive_sampling = False
    cycles.use_denoising = denoise
    cycles.use_preview_denoising = False
    cycles.max_bounces = 4
    # Small tiles are pointless at this size; one tile keeps the log short.
    cycles.tile_size = max(res_x, res_y, 64)
    if denoise:
        try:
            cycles.denoiser = "OPENIMAGEDENOISE"
        except TypeError:
            pass  # a Blender without OpenImageDenoise has no denoiser to choose; the flag stays on
    for layer in scene.view_layers:
        layer.cycles.use_denoising = denoise

    scene.frame_start = 1
    scene.frame_end = FRAMES
    scene.frame_current = 1
    if FRAMES > 1:
        # An animation: the cube turns a quarter and the sphere rises over the range.
        cube, sphere = bpy.data.objects["Cube"], bpy.data.objects["Sphere"]
        for frame, turn, height in ((1, 25, 0.6), (FRAMES, 115, 1.4)):
            cube.rotation_euler[2] = math.radians(turn)
            cube.keyframe_insert("rotation_euler", index=2, frame=frame)
            sphere.location[2] = height
            sphere.keyframe_insert("location", index=2, frame=frame)

    bpy.ops.wm.save_as_mainfile(filepath=out, compress=False)
    print("make_blend.py: wrote %s (%dx%d, %d samples, denoising %s)" % (out, res_x, res_y, samples, "on" if denoise else "off"))


main()
