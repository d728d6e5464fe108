"""rscript's Blender server: the Blender side of `require("rscript.blender")`.

    blender -b --factory-startup --python rscript_blender_server.py -- [--service my_service.py]

It keeps one scene loaded and answers requests, one JSON object a line, that rscript writes to
this process's fd 3; it answers on fd 4 (the framing of rscript's worker channel). Blender's own
output stays on stdout and stderr, which rscript drains into the client's log. Only Blender's
bundled Python and `bpy` are used: nothing is installed into Blender.

    request   {"id": 7, "method": "render_frame", "args": [12], "kwargs": {}}
    progress  {"id": 7, "progress": {"frame": 12, "done": 1, "total": 1, "path": "..."}}
    answer    {"id": 7, "ok": true, "result": {...}}  or  {"id": 7, "ok": false, "error": "...", "traceback": "..."}

At start it sends {"ready": true, "pid": ..., "blender": "3.4.1", "methods": [...]}. A service
module (`--service file.py`) adds its functions named `exposed_NAME`, called with `call`.
"""

import importlib.util
import io
import json
import os
import sys
import traceback

import bpy

REQUESTS = io.open(3, "rb", buffering=65536, closefd=False)
ANSWERS = 4


try:
    import ctypes
    _fflush = ctypes.CDLL(None).fflush
except (ImportError, OSError, AttributeError):
    _fflush = None


def send(message):
    # Blender's own lines before this message reach the log first (its C stdout is buffered).
    sys.stdout.flush()
    if _fflush is not None:
        _fflush(None)
    data = (json.dumps(message, default=to_json, separators=(",", ":")) + "\n").encode("utf-8")
    view = memoryview(data)
    while view:
        written = os.write(ANSWERS, view)
        view = view[written:]


def to_json(value):
    """Blender's vectors, matrices, colours and paths, as JSON."""
    if hasattr(value, "__fspath__"):
        return os.fspath(value)
    if hasattr(value, "to_list"):
        return value.to_list()
    try:
        return [to_json(v) if not isinstance(v, (int, float, str, bool)) else v for v in value]
    except TypeError:
        return str(value)


class Server:
    def __init__(self, service):
        self.root = None
        self.pattern = None
        self.blend_file = None
        self.request_id = None
        self.service = service

    # -- helpers

    @property
    def scene(self):
        return bpy.context.scene

    def require_scene(self):
        if self.blend_file is None:
            raise RuntimeError("no scene: call initialize(blend_file, root_path) first")
        return self.scene

    def report(self, **fields):
        if self.request_id is not None:
            send({"id": self.request_id, "progress": fields})

    def frame_path(self, frame):
        render = self.scene.render
        render.filepath = self.pattern or os.path.join(self.root, "frames", "frame_######")
        return render.frame_path(frame=frame)

    def render_one(self, frame, allow_skips=False):
        scene = self.require_scene()
        path = self.frame_path(frame)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if allow_skips and os.path.exists(path):
            return {"frame": frame, "path": path, "skipped": True, "pid": os.getpid()}
        scene.frame_set(frame)
        scene.render.filepath = path
        bpy.ops.render.render(write_still=True)
        if not os.path.exists(path):
            raise RuntimeError("Blender rendered frame %d but wrote no image at %s" % (frame, path))
        return {"frame": frame, "path": path, "pid": os.getpid()}

    def render_list(self, frames, allow_skips=False):
        results = []
        total = len(frames)
        for done, frame in enumerate(frames):
            self.report(frame=frame, done=done, total=total)  # started (samples: from the log)
            results.append(self.render_one(frame, allow_skips))
            self.report(frame=frame, done=done + 1, total=total, path=results[-1]["path"])
        return results

    # -- the calls

    def ping(self):
        return {"pid": os.getpid()}

    def initialize(self, blend_file, root_path):
        blend_file = os.path.abspath(os.fspath(blend_file))
        if not os.path.isfile(blend_file):
            raise FileNotFoundError("no such .blend file: %s" % blend_file)
        bpy.ops.wm.open_mainfile(filepath=blend_file)
        self.blend_file = blend_file
        self.pattern = None
        self.root = os.path.abspath(os.fspath(root_path))
        scene = self.scene
        # Cycles keeps the scene's data between the frames of this connection.
        scene.render.use_persistent_data = True
        return self.info()

    def info(self):
        scene = self.require_scene()
        render = scene.render
        return {
            "blend_file": self.blend_file,
            "root_path": self.root,
            "scene": scene.name,
            "engine": render.engine,
            "frame_start": scene.frame_start,
            "frame_end": scene.frame_end,
            "frame_step": scene.frame_step,
            "frame_current": scene.frame_current,
            "resolution": [render.resolution_x, render.resolution_y],
            "camera": scene.camera.name if scene.camera else None,
        }

    def animation_range(self, frame_start=None, frame_end=None, frame_step=None):
        scene = self.require_scene()
        start = scene.frame_start if frame_start is None else int(frame_start)
        end = scene.frame_end if frame_end is None else int(frame_end)
        step = scene.frame_step if frame_step is None else int(frame_step)
        if step <= 0:
            raise ValueError("frame_step must be positive, got %d" % step)
        return list(range(start, end + 1, step))

    def set_resolution(self, width, height):
        render = self.require_scene().render
        render.resolution_x, render.resolution_y = int(width), int(height)
        render.resolution_percentage = 100
        return [render.resolution_x, render.resolution_y]

    def set_output(self, pattern=None):
        """Images at `pattern` (# for the frame number, Blender's -o) instead of <root>/frames/."""
        self.require_scene()
        self.pattern = os.path.abspath(pattern) if pattern else None
        if self.pattern:
            os.makedirs(os.path.dirname(self.pattern), exist_ok=True)
        return self.frame_path(self.scene.frame_current)

    def set_current_frame(self, frame):
        scene = self.require_scene()
        scene.frame_set(int(frame))
        return scene.frame_current

    def set_camera(self, name):
        scene = self.require_scene()
        camera = bpy.data.objects.get(name)
        if camera is None or camera.type != "CAMERA":
            cameras = sorted(o.name for o in bpy.data.objects if o.type == "CAMERA")
            raise KeyError("no camera named %r (cameras: %s)" % (name, ", ".join(cameras) or "none"))
        scene.camera = camera
        return camera.name

    def move_keyframes(self, scale=1.0, shift=0.0):
        """Scales then shifts every keyframe, and the scene's frame range with them."""
        scene = self.require_scene()
        scale, shift = float(scale), float(shift)
        if scale <= 0:
            raise ValueError("scale must be positive, got %g" % scale)
        for action in bpy.data.actions:
            for fcurve in action.fcurves:
                for point in fcurve.keyframe_points:
                    point.co.x = point.co.x * scale + shift
                    point.handle_left.x = point.handle_left.x * scale + shift
                    point.handle_right.x = point.handle_right.x * scale + shift
                fcurve.update()
        start = round(scene.frame_start * scale + shift)
        end = max(start, round(scene.frame_end * scale + shift))
        scene.frame_start, scene.frame_end = start, end
        return [scene.frame_start, scene.frame_end]

    def cycles_settings(self, settings=None):
        return self.apply_settings(self.require_scene().cycles, settings, "cycles_settings")

    def image_settings(self, settings=None):
        return self.apply_settings(self.require_scene().render.image_settings, settings, "image_settings")

    def apply_settings(self, target, settings, name):
        settings = settings or {}
        for key, value in settings.items():
            if not hasattr(target, key):
                raise AttributeError("%s: no setting named %r" % (name, key))
            setattr(target, key, value)
        return {key: getattr(target, key) for key in settings}

    def render_frame(self, frame, allow_skips=False):
        return self.render_list([int(frame)], allow_skips)[0]

    def render_frames(self, frames, allow_skips=False):
        return self.render_list([int(f) for f in frames], allow_skips)

    def render_animation(self, frame_start=None, frame_end=None, frame_step=None, allow_skips=False):
        return self.render_list(self.animation_range(frame_start, frame_end, frame_step), allow_skips)

    def call(self, name, *args):
        function = getattr(self.service, "exposed_" + str(name), None) if self.service else None
        if function is None:
            exposed = sorted(n[8:] for n in dir(self.service) if n.startswith("exposed_")) if self.service else []
            raise AttributeError("the service has no function exposed_%s (exposed: %s)" % (name, ", ".join(exposed) or "none"))
        return function(*args)

    METHODS = ("ping", "initialize", "info", "animation_range", "set_resolution", "set_output", "set_current_frame",
               "set_camera", "move_keyframes", "cycles_settings", "image_settings", "render_frame",
               "render_frames", "render_animation", "call")

    def serve(self):
        send({"ready": True, "pid": os.getpid(), "blender": bpy.app.version_string, "methods": list(self.METHODS)})
        while True:
            line = REQUESTS.readline()
            if not line:
                return  # rscript closed the channel, or is gone
            try:
                request = json.loads(line)
            except ValueError as error:
                send({"id": None, "ok": False, "error": "bad request: %s" % error, "traceback": ""})
                continue
            method = request.get("method")
            if method == "quit":
                send({"id": request.get("id"), "ok": True, "result": True})
                return
            self.request_id = request.get("id")
            try:
                if method not in self.METHODS:
                    raise AttributeError("no method %r" % method)
                result = getattr(self, method)(*request.get("args", []), **request.get("kwargs", {}))
                answer = {"id": self.request_id, "ok": True, "result": result}
            except Exception as error:  # the caller gets it, the server goes on
                answer = {"id": self.request_id, "ok": False, "error": "%s: %s" % (type(error).__name__, error),
                          "traceback": traceback.format_exc()}
            finally:
                self.request_id = None
            sys.stdout.flush()
            send(answer)


def load_service(argv):
    args = argv[argv.index("--") + 1:] if "--" in argv else []
    if "--service" not in args:
        return None
    path = os.path.abspath(args[args.index("--service") + 1])
    spec = importlib.util.spec_from_file_location("rscript_blender_service", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    try:
        service = load_service(sys.argv)
    except Exception:
        traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(3)
    Server(service).serve()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)  # Blender's own cleanup is not needed: nothing is saved


main()
