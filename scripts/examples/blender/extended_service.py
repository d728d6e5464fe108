"""visionsim's examples/blender/extended_service.py without rpyc or numpy: a service module for
`BlenderClient.spawn{ service = "extended_service.py" }`. Its functions named `exposed_NAME` are
called from Lua as `client:call("NAME", ...)`, with JSON arguments and results."""

from pathlib import Path

import bpy
from mathutils import Vector


def exposed_scene_aabb():
    aabb_min = [float("inf")] * 3
    aabb_max = [float("-inf")] * 3
    for obj in bpy.context.scene.objects:
        for corner in obj.bound_box:
            point = obj.matrix_world @ Vector(corner)
            aabb_min = [min(a, b) for a, b in zip(aabb_min, point)]
            aabb_max = [max(a, b) for a, b in zip(aabb_max, point)]
    return aabb_min, aabb_max


def exposed_missing_textures():
    paths = []
    for image in bpy.data.images.values():
        if image.source == "FILE":
            if not (path := Path(image.filepath_from_user()).resolve()).exists():
                paths.append(path)
    return paths


def exposed_fail(message):
    raise ValueError(message)
