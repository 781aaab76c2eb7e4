"""The agent's resident Salt worker: loads Salt once, then applies one state file per request.

Started by the agent's Salt executor with the interpreter and module path salt-call uses:

    python3 opsagent-salt-worker.py --file-root=DIR [--config-dir=DIR] [--bytecode-dir=DIR]

Protocol, one JSON object per line (UTF-8):
- at start the worker prints {"ready": true, "salt_version": ..., "salt_dir": ...}, or
  {"ready": false, "error": ...} and exits with status 3 when Salt cannot be loaded;
- each request on stdin is {"test": BOOL}; the worker applies "state.sls vops" from the file
  root (as "salt-call --local --file-root=DIR state.sls vops [test=True]" does; the agent
  writes a new vops.sls there before each request) and prints
  {"retcode": N, "return": <Salt's result>}, or {"error": ...} for a request it cannot read;
- end of input: the worker exits with status 0.

Stray output of Salt or of the commands it runs never reaches the protocol: file descriptor 1
is pointed at stderr and 0 at /dev/null before Salt is loaded. Log lines go to stderr.

Salt's loader loads its state and execution modules anew for every state run. Without bytecode
on disk each of those loads compiles the module's source again, which costs more than the state
itself. When Salt's own directory cannot hold bytecode (Python told not to write it, or a
read-only tree without it), the worker keeps it in --bytecode-dir instead.
"""

import json
import logging
import os
import sys

SLS_NAME = "vops"


def _private_channels():
    reply_fd = os.dup(1)
    request_fd = os.dup(0)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    replies = os.fdopen(reply_fd, "w", encoding="utf-8", newline="\n")
    requests = os.fdopen(request_fd, "r", encoding="utf-8", newline="\n")
    return requests, replies


def _send(replies, obj):
    replies.write(json.dumps(obj, ensure_ascii=False, default=repr, separators=(",", ":")))
    replies.write("\n")
    replies.flush()


def _option(argv, name):
    for arg in argv:
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _keep_bytecode(directory):
    if not directory:
        return
    salt_dir = None
    try:
        import importlib.util
        spec = importlib.util.find_spec("salt")
        if spec is not None and spec.origin:
            salt_dir = os.path.dirname(spec.origin)
    except (ImportError, ValueError):
        pass
    if salt_dir is None:
        return  # loading Salt fails below and says why
    beside = os.path.isdir(os.path.join(salt_dir, "__pycache__")) or os.access(salt_dir, os.W_OK)
    if sys.dont_write_bytecode or not beside:
        sys.pycache_prefix = directory
        sys.dont_write_bytecode = False


def _load(config_dir, file_root):
    import salt.client
    import salt.config
    import salt.syspaths
    import salt.version

    path = os.path.join(config_dir or salt.syspaths.CONFIG_DIR, "minion")
    opts = salt.config.minion_config(path)
    opts["file_client"] = "local"
    opts["file_roots"] = {"base": [file_root]}
    # the file root's content changes before every request: never answer from an old file list
    opts["fileserver_list_cache_time"] = 0
    caller = salt.client.Caller(mopts=opts)
    return salt, caller


def _apply(caller, request):
    test = request.get("test", False)
    if not isinstance(test, bool):
        return {"error": "malformed request: \"test\" is not true or false"}
    context = caller.sminion.functions.pack["__context__"]
    context.clear()  # as in a fresh salt-call: no cached package lists or return codes
    kwargs = {"test": True} if test else {}
    result = caller.cmd("state.sls", SLS_NAME, **kwargs)
    retcode = context.get("retcode", 0)
    if retcode == 0 and isinstance(result, dict):
        if not all(result.get(k, True) for k in ("result", "success")):
            retcode = 1
    return {"retcode": retcode, "return": result}


def main(argv):
    requests, replies = _private_channels()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING,
                        format="[salt-worker %(levelname)s] %(name)s: %(message)s")
    try:
        file_root = _option(argv, "--file-root")
        if not file_root or not os.path.isabs(file_root):
            raise ValueError("usage: opsagent-salt-worker.py --file-root=ABSOLUTE_DIR [--config-dir=DIR]"
                             " [--bytecode-dir=DIR]")
        _keep_bytecode(_option(argv, "--bytecode-dir"))
        salt, caller = _load(_option(argv, "--config-dir"), file_root)
    except BaseException as exc:  # anything: the agent falls back to salt-call
        _send(replies, {"ready": False, "error": "%s: %s" % (type(exc).__name__, exc)})
        return 3
    _send(replies, {"ready": True, "salt_version": salt.version.__version__,
                    "salt_dir": os.path.dirname(os.path.abspath(salt.__file__)), "pid": os.getpid()})
    for line in requests:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except ValueError as exc:
            _send(replies, {"error": "malformed request (not JSON): %s" % exc})
            continue
        if not isinstance(request, dict):
            _send(replies, {"error": "malformed request (not a JSON object)"})
            continue
        try:
            reply = _apply(caller, request)
        except Exception as exc:  # Salt raised instead of returning: report it as the result
            logging.getLogger("opsagent.worker").exception("state run raised")
            reply = {"retcode": 1, "return": ["%s: %s" % (type(exc).__name__, exc)]}
        _send(replies, reply)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
