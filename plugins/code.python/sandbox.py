"""The Python side of code.python, run once when the worker's interpreter starts.

User code is a function body. It is parsed with ast (which accepts a top-level `return`),
wrapped in a function definition without touching its text, and compiled once per code text,
so line numbers in errors are the user's own. Each node of each run gets its own function
object and globals (an "instance"). Data crosses as JSON text, one state part per line.

The audit hook below gives clear errors for modules and operations that reach outside the
sandbox. It is not the security boundary: the worker also strips the JavaScript side the
interpreter could reach (see worker.mjs), so a way around the hook finds nothing useful.
"""

import ast
import builtins
import json
import os
import sys

_FILENAME = "<code>"
_PARAMS = ("event", "profile", "session", "flow", "node", "nodes", "payload", "emit")
_MUTABLE = ("event", "profile", "session", "flow", "node")

_loads = json.loads
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_compiled = {}
_instances = {}


class PortError(Exception):
    pass


def _line_of(error):
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == _FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _failure(code, message):
    return _encode({"error": {"code": code, "message": message}})


def _describe(error):
    """An exception from user code as (error code, message naming the line)."""
    if isinstance(error, SyntaxError) and error.filename == _FILENAME:
        where = ""
        if error.lineno:
            column = f", column {error.offset}" if error.offset else ""
            where = f" (line {error.lineno}{column})"
        return "code-error", f"SyntaxError: {error.msg}{where}"
    line = _line_of(error)
    where = f" (line {line})" if line else ""
    if isinstance(error, MemoryError):
        return "memory-limit", f"The code ran out of memory (MemoryError){where}"
    if isinstance(error, PortError):
        return "unknown-port", f"{error}{where}"
    if isinstance(error, ModuleNotFoundError):
        name = error.name or str(error)
        only = "(only the standard library is)"
        return "code-error", f'Module "{name}" is not available in the Python sandbox {only}{where}'
    if isinstance(error, SystemExit):
        return "code-error", f"The code called exit(){where}"
    text = str(error)
    name = type(error).__name__
    return "code-error", f"{name}: {text}{where}" if text else f"{name}{where}"


def _build(source):
    """Compiles a function body to the code object of a function taking the state parts."""
    tree = ast.parse(source, _FILENAME, "exec")
    args = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=name) for name in _PARAMS],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=[],
    )
    body = tree.body or [ast.Pass()]
    function = ast.FunctionDef(
        name="flowbench_code",
        args=args,
        body=body,
        decorator_list=[],
        returns=None,
        type_comment=None,
        type_params=[],
    )
    function.lineno = function.end_lineno = 1
    function.col_offset = function.end_col_offset = 0
    module = ast.Module(body=[function], type_ignores=[])
    ast.fix_missing_locations(module)
    code = compile(module, _FILENAME, "exec", dont_inherit=True)
    inner = next(c for c in code.co_consts if getattr(c, "co_name", None) == "flowbench_code")
    # 0x20 generator, 0x80 coroutine, 0x200 async generator: none can run to a result here.
    if inner.co_flags & (0x20 | 0x80 | 0x200):
        message = "yield and async are not supported in code nodes"
        raise SyntaxError(message, (_FILENAME, 1, 1, None))
    return code


def compile_code(key, source):
    try:
        _compiled[key] = _build(source)
    except BaseException as error:  # noqa: BLE001 - whatever the compiler raises is the user's
        code, message = _describe(error)
        _compiled[key] = {"code": code, "message": message}


def forget_code(key):
    _compiled.pop(key, None)


def open_instance(instance, key, ports_text):
    compiled = _compiled.get(key)
    if compiled is None:
        return _failure("sandbox", "The code was not compiled in this worker")
    if isinstance(compiled, dict):
        return _encode({"error": compiled})
    namespace = {"__builtins__": builtins, "__name__": "flowbench_code"}
    try:
        exec(compiled, namespace)
    except BaseException as error:  # noqa: BLE001
        code, message = _describe(error)
        return _failure(code, message)
    _instances[instance] = (namespace["flowbench_code"], tuple(_loads(ports_text)))
    return ""


def close_instance(instance):
    _instances.pop(instance, None)


def _load(text):
    return None if text == "" else _loads(text)


def call(instance, text):
    entry = _instances.get(instance)
    if entry is None:
        return _failure("sandbox", "The code is not open in this worker")
    function, ports = entry
    parts = text.split("\n")
    state = [_load(parts[i]) for i in range(5)]
    emitted = []

    def emit(port, value=None):
        if not isinstance(port, str) or port not in ports:
            name = json.dumps(str(port))
            known = ", ".join(ports)
            raise PortError(f"emit(): this node has no output port {name}; its ports are {known}")
        emitted.append([port, value])

    try:
        nodes, payload = _load(parts[5]), _load(parts[6])
        result = function(state[0], state[1], state[2], state[3], state[4], nodes, payload, emit)
    except BaseException as error:  # noqa: BLE001 - user code may raise anything, even SystemExit
        code, message = _describe(error)
        return _failure(code, message)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    try:
        out = '{"e":' + _encode(emitted)
        if result is not None:
            out += ',"r":' + _encode(result)
        changed = []
        for i, name in enumerate(_MUTABLE):
            if parts[i] == "":
                continue
            now = _encode(state[i])
            if now != parts[i]:
                changed.append(f'"{name}":{now}')
        if changed:
            out += ',"c":{' + ",".join(changed) + "}"
        return out + "}"
    except (TypeError, ValueError) as error:
        what = "A value the code returned, emitted or stored"
        return _failure("code-error", f"{what} cannot be converted to JSON: {error}")
    except MemoryError:
        return _failure("memory-limit", "The code ran out of memory (MemoryError)")


def _install_guard():
    blocked_modules = frozenset(
        """
        js pyodide_js pyodide micropip ctypes _ctypes socket _socket ssl _ssl select selectors
        subprocess _posixsubprocess multiprocessing _multiprocessing asyncio _asyncio webbrowser
        pty mmap termios _pyrepl _remote_debugging _testcapi _testinternalcapi _testlimitedcapi
        _testbuffer _testclinic _testclinic_limited _xxtestfuzz
        """.split()
    )
    blocked_events = frozenset(
        """
        os.system os.exec os.spawn os.posix_spawn os.fork os.forkpty os.kill os.killpg
        subprocess.Popen ctypes.dlopen ctypes.dlsym ctypes.call_function socket.__new__
        socket.connect socket.bind sys.addaudithook
        """.split()
    )

    def guard(event, args):
        if event == "import":
            name = args[0]
            if name in blocked_modules or name.partition(".")[0] in blocked_modules:
                message = f'Module "{name}" is not available in the Python sandbox'
                raise ModuleNotFoundError(message, name=name)
        elif event in blocked_events:
            raise PermissionError(f"{event} is not available in the Python sandbox")

    sys.addaudithook(guard)
    # Blocked modules that are already loaded leave sys.modules, so importing them meets the guard.
    for name in list(sys.modules):
        if name.partition(".")[0] in blocked_modules:
            del sys.modules[name]
    os.environ.pop("_", None)


_install_guard()
del _install_guard
