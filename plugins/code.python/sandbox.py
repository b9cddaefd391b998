"""The Python side of code.python, run once when a sandbox process's interpreter starts.

It runs in a namespace of its own, not in __main__, so user code cannot name it.

User code is a function body. It is parsed with ast (which accepts a top-level `return`),
wrapped in a function definition without touching its text, and compiled once per code text,
so line numbers in errors are the user's own. Data crosses as JSON text, one state part per
line, parsed and written by _json's C scanner and encoder, which no Python-level change to the
json module or its classes can reach.

Every call starts from the interpreter's state as it was after start-up: its function runs in
fresh globals, and before it runs, builtins, sys.modules, __main__ and sys, and every module the
previous call imported by name, get back their start-up contents. So replacing a builtin, a
module or a module's member in one call is gone in the next. Introspection that could reach this
module's own state (frames, the garbage collector, trace and monitoring hooks) is refused while
user code runs.

The audit hook gives clear errors for modules and operations that reach outside the sandbox.
It is not the security boundary: the process runs under Node's permission model, and the
JavaScript side the interpreter could reach is stripped (see sandbox-process.mjs).
"""

import _json
import ast
import builtins
import json
import os
import sys

_FILENAME = "<code>"
_PARAMS = ("event", "profile", "session", "flow", "node", "nodes", "payload", "emit")
_MUTABLE = ("event", "profile", "session", "flow", "node")

_compiled = {}
_ports = {}
# Whether user code is running: the audit hook refuses introspection only then.
_user = [False]


def _scanner():
    context = json.JSONDecoder()
    return _json.make_scanner(context)


_scan = _scanner()


def _loads(text):
    value, end = _scan(text, 0)
    if end != len(text):
        raise ValueError("extra data")
    return value


def _not_json(value):
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_c_encode = _json.make_encoder(
    {}, _not_json, _json.encode_basestring, None, ":", ",", False, False, False
)


def _encode(value):
    return "".join(_c_encode(value, 0))


class PortError(Exception):
    pass


def _line_of(error):
    line = None
    tb = error.__traceback__
    # Reading frames is refused to user code, not to this function.
    _user[0] = False
    try:
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == _FILENAME:
                line = tb.tb_lineno
            tb = tb.tb_next
    finally:
        _user[0] = True
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
        _compiled[key] = (_build(source), _modules_named(source))
    except BaseException as error:  # noqa: BLE001 - whatever the compiler raises is the user's
        code, message = _describe(error)
        _compiled[key] = {"code": code, "message": message}


def forget_code(key):
    _compiled.pop(key, None)
    _ports.pop(key, None)


def _load(text):
    return None if text == "" else _loads(text)


# emit() is defined in a namespace of its own so that its globals lead nowhere.
_EMIT = """
def emit(port, value=None):
    if not isinstance(port, str) or port not in _ports:
        name = _dumps(str(port))
        raise _PortError(
            f"emit(): this node has no output port {name}; its ports are {', '.join(_ports)}"
        )
    _append([port, value])
"""
_emit_code = compile(_EMIT, "<emit>", "exec")


def _emitter(ports, emitted):
    namespace = {
        "__builtins__": builtins,
        "_ports": ports,
        "_append": emitted.append,
        "_dumps": json.dumps,
        "_PortError": PortError,
    }
    exec(_emit_code, namespace)
    return namespace["emit"]


def call(key, ports_text, text):
    _user[0] = True
    try:
        return _call(key, ports_text, text)
    finally:
        _user[0] = False


def _call(key, ports_text, text):
    compiled = _compiled.get(key)
    _reset(compiled[1] if type(compiled) is tuple else ())
    if compiled is None:
        return _failure("sandbox", "The code was not compiled in this process")
    if isinstance(compiled, dict):
        return _encode({"error": compiled})
    compiled = compiled[0]
    ports = _ports.get(key)
    if ports is None or ports[0] != ports_text:
        ports = _ports[key] = (ports_text, tuple(_loads(ports_text)))
    parts = text.split("\n")
    emitted = []
    namespace = {"__builtins__": builtins, "__name__": "flowbench_code"}
    try:
        exec(compiled, namespace)
        function = namespace["flowbench_code"]
        state = [_load(parts[i]) for i in range(5)]
        nodes, payload = _load(parts[5]), _load(parts[6])
        emit = _emitter(ports[1], emitted)
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
    except RecursionError:
        return _failure("code-error", "A value the code returned is nested too deeply")
    except MemoryError:
        return _failure("memory-limit", "The code ran out of memory (MemoryError)")


def _install_guard():
    blocked_modules = frozenset(
        """
        js pyodide_js pyodide _pyodide _pyodide_core micropip ctypes _ctypes socket _socket ssl _ssl select selectors
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
    # Ways to this module's state or to later calls' frames: refused while user code runs.
    introspection = frozenset(
        """
        sys._getframe sys._current_frames sys._current_exceptions
        gc.get_objects gc.get_referrers gc.get_referents sys.settrace sys.setprofile
        sys._settraceallthreads sys._setprofileallthreads sys.monitoring.register_callback
        """.split()
    )
    frames = frozenset(("tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"))
    pristine = frozenset(sys.modules)
    modules = sys.modules
    user = _user

    def guard(event, args):
        if event == "import":
            name = args[0]
            if name in blocked_modules or name.partition(".")[0] in blocked_modules:
                message = f'Module "{name}" is not available in the Python sandbox'
                raise ModuleNotFoundError(message, name=name)
            # A module loaded at start-up is imported again only if someone removed it: the
            # fresh copy would escape the restore and keep hooks the start-up copy had removed.
            if user[0] and name in pristine and name not in modules:
                raise ImportError(f'Module "{name}" cannot be imported again in the Python sandbox')
        elif event in blocked_events:
            raise PermissionError(f"{event} is not available in the Python sandbox")
        elif user[0] and (
            event in introspection
            or (event == "object.__getattr__" and len(args) > 1 and args[1] in frames)
        ):
            raise PermissionError(f"{event} is not available in the Python sandbox")

    sys.addaudithook(guard)
    # Blocked modules that are already loaded leave sys.modules, so importing them meets the guard.
    for name in list(sys.modules):
        if name.partition(".")[0] in blocked_modules:
            del sys.modules[name]
    os.environ.pop("_", None)


_install_guard()
del _install_guard

# Names in code that can reach any module without naming it: such code gets every module back.
_DYNAMIC = frozenset(
    """
    sys __import__ importlib builtins __builtins__ gc inspect types operator functools getattr
    setattr delattr vars globals locals eval exec compile attrgetter methodcaller
    """.split()
)


def _modules_named(source):
    """The start-up modules a call of this code must get back, or None for all of them."""
    if "__" in source:
        return None
    names = set()
    for node in ast.walk(ast.parse(source, _FILENAME, "exec")):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.alias):
            names.update(node.name.split("."))
            if node.asname:
                names.add(node.asname)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(node.module.split("."))
    if names & _DYNAMIC:
        return None
    return tuple(
        entry for entry in _MODULE_DICTS if not names.isdisjoint(entry[0].split("."))
    )


def _pristine():
    import __main__

    entries = []
    for name, module in sorted(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if type(namespace) is dict:
            entries.append((name, namespace, tuple(namespace.items())))
    core = tuple(
        (namespace, items)
        for name, namespace, items in entries
        if name in ("builtins", "sys", "__main__")
    )
    assert len(core) == 3 and __main__.__dict__ is not None
    return (
        tuple(sys.modules.items()),
        core,
        tuple(entries),
        sys.getrecursionlimit(),
        sys.get_int_max_str_digits(),
    )


_MODULES, _CORE, _MODULE_DICTS, _RECURSION, _DIGITS = _pristine()
_ALL_MODULES = tuple((namespace, items) for _, namespace, items in _MODULE_DICTS)
_MODULE_DICTS = tuple((name, namespace, items) for name, namespace, items in _MODULE_DICTS)
# What the previous call may have changed beyond the core: None means every module.
_last_restore = [()]


def _restore(namespace, items):
    namespace.clear()
    namespace.update(items)


def _reset(restore):
    """Puts back what the previous call could have changed, before this call's code runs;
    `restore` is what this call's code may change, for the next call to put back."""
    modules = sys.modules
    modules.clear()
    modules.update(_MODULES)
    for namespace, items in _CORE:
        _restore(namespace, items)
    previous = _last_restore[0]
    if previous is None:
        for namespace, items in _ALL_MODULES:
            _restore(namespace, items)
    else:
        for _, namespace, items in previous:
            _restore(namespace, items)
    _last_restore[0] = restore
    if sys.getrecursionlimit() != _RECURSION:
        sys.setrecursionlimit(_RECURSION)
    if sys.get_int_max_str_digits() != _DIGITS:
        sys.set_int_max_str_digits(_DIGITS)
