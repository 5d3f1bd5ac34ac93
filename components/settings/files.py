"""Files the user names (stack file, kubeconfig, CA bundle), read in bounded time and memory.

A device (`/dev/zero`), a pipe or a huge file is refused before it is read, and a YAML document
is refused when it nests too deep, expands its aliases too far (a "billion laughs" of a few
hundred bytes), repeats a key, or carries a tag: each an error whose text quotes no value
of the file (a kubeconfig holds credentials, a stack file secrets, and YAML's own messages quote
whatever they stopped at).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

# Far above any real stack file or kubeconfig (a 1000-cluster kubeconfig with embedded
# certificates is about 5 MiB), far below what would exhaust memory.
MAX_BYTES = 16 * 1024 * 1024
# Nodes after expanding every alias: a 1000-cluster fleet's stack file has ~30 000.
MAX_NODES = 1_000_000
# Stack files and kubeconfigs nest about 8 deep; the program's own walks are recursive.
MAX_DEPTH = 64

# libyaml's parser when the wheel has it: kubeconfig and stack files can be large in fleets.
_BASE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UnusableFile(ValueError):
    """A file refused before it is read (a device, a pipe, too large)."""


class BadYaml(ValueError):
    """A YAML document refused: `problem` names no value from it; `line` and `column` from 1."""

    def __init__(self, problem: str, mark: Any = None, *, show_mark: bool = True) -> None:
        self.problem = problem
        self.line = mark.line + 1 if mark is not None else None
        self.column = mark.column + 1 if mark is not None else None
        self.index: int | None = mark.index if mark is not None else None
        # The mapping keys leading to the problem, from the top (set when the document parsed).
        self.keys: list[str] = []
        where = f" at line {self.line}, column {self.column}" if mark is not None and show_mark else ""
        super().__init__(f"{problem}{where}")


def exists(path: Path) -> bool:
    """Whether something is at `path`. A name the OS refuses (too long, a NUL byte) or a missing
    component counts as missing; a path that exists but cannot be reached (permissions, a symlink
    loop) counts as existing, so that reading it says why it cannot be read."""
    try:
        Path(path).stat()
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return False
    except OSError as error:
        return error.errno != errno.ENAMETOOLONG
    return True


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """A regular file's bytes, at most `limit`. OSError (with strerror) when it cannot be opened or
    is a directory; UnusableFile for a device, a pipe or a socket, or a file over the limit."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below anyway).
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        if not stat.S_ISREG(mode):
            raise UnusableFile("not a regular file: a device, pipe or socket")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise UnusableFile(f"larger than {limit // (1024 * 1024)} MiB")
    return data


def read_text(path: Path, encoding: str = "utf-8", limit: int = MAX_BYTES) -> str:
    """`read_bytes` decoded (UnicodeDecodeError when it is not `encoding`)."""
    return read_bytes(path, limit).decode(encoding)


class _Loader(_BASE_LOADER):
    """The safe loader, refusing repeated keys (YAML forbids them; PyYAML keeps the last)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if first is not key_node:
                shown = key if isinstance(key, str) and _PLAIN_KEY.fullmatch(key) else "a key"
                raise BadYaml(
                    f"duplicate key `{shown}` at lines {first.start_mark.line + 1} and {key_node.start_mark.line + 1} "
                    "(YAML keeps only one of them): remove one",
                    key_node.start_mark,
                    show_mark=False,
                )
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        """A scalar its tag cannot convert (`!!float x`, `!!int x`, `!!timestamp x`) is refused
        here: the converters' own errors (ValueError, KeyError...) quote the value."""
        pending = len(self.state_generators)
        try:
            data = super().construct_object(node, deep=deep)
        except (BadYaml, yaml.YAMLError):
            raise
        except Exception:  # any converter's error: none may carry the value out
            raise _unconvertible(node) from None
        # A collection's second step (the items of `!!set`, `!!omap`) runs later, in construct_document.
        self.state_generators[pending:] = [_marked(g, node) for g in self.state_generators[pending:]]
        return data


def _unconvertible(node: Any) -> BadYaml:
    return BadYaml(
        f"a value its tag `{_shown_tag(node.tag)}` cannot convert: remove the tag or fix the value", node.start_mark
    )


def _marked(steps: Any, node: Any) -> Any:
    try:
        yield from steps
    except (BadYaml, yaml.YAMLError):
        raise
    except Exception:
        raise _unconvertible(node) from None


def _shown_tag(tag: str) -> str:
    """YAML's standard tags as written (`!!float`); any other is not echoed."""
    prefix = "tag:yaml.org,2002:"
    if tag.startswith(prefix) and _PLAIN_KEY.fullmatch(tag[len(prefix) :]):
        return "!!" + tag[len(prefix) :]
    return "!..."


# Keys echoed in a duplicate-key message: config keys and kubeconfig field names, never a value.
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.:\[\]-]{1,100}")
# Token names and single characters YAML's messages quote; anything else they quote is the file's.
_SAFE_QUOTED = re.compile(r"'(<[a-z ]+>|[^A-Za-z0-9'])'|\"(<[a-z ]+>|[^A-Za-z0-9\"])\"")


def _problem(error: yaml.MarkedYAMLError) -> str:
    """YAML's description of a syntax error, without anything it quoted from the file."""
    if isinstance(error, yaml.constructor.ConstructorError):
        return "a value YAML cannot read here (a tag such as !name, or a key that is a list); quote the value"
    text = error.problem or "invalid YAML"
    return re.sub(r"'[^']*'|\"[^\"]*\"", lambda m: m[0] if _SAFE_QUOTED.fullmatch(m[0]) else "a value", text)


def _check_bounds(root: Any) -> None:
    """Refuse a node graph that nests beyond MAX_DEPTH or expands beyond MAX_NODES. Linear in the
    graph's size, not its expansion: an alias is the same node object, so each collection's expanded
    size is computed once (memoised); iterative, so depth costs no recursion. Scalars count 1."""
    size: dict[int, int] = {}
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        if isinstance(node, yaml.ScalarNode) or id(node) in size:
            continue
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair if not isinstance(n, yaml.ScalarNode)]
            total = 1 + 2 * len(node.value) - len(children)  # itself and its scalars
        else:
            children = [n for n in node.value if not isinstance(n, yaml.ScalarNode)]
            total = 1 + len(node.value) - len(children)
        if done:
            size[id(node)] = total + sum(size[id(c)] for c in children)
            if size[id(node)] > MAX_NODES:
                raise BadYaml(f"expands to more than {MAX_NODES} values (aliases of aliases?)", node.start_mark)
            continue
        if depth > MAX_DEPTH:
            raise BadYaml(f"nests deeper than {MAX_DEPTH} levels", node.start_mark)
        stack.append((node, depth, True))
        stack.extend((c, depth + 1, False) for c in children if id(c) not in size)


def _keys_to(root: Any, index: int) -> list[str]:
    """The plain keys of the mappings that enclose position `index`, outermost first."""
    keys: list[str] = []
    node = root
    while isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            # A block mapping ends where the next key starts: that key is not inside it.
            if key.start_mark.index <= index < value.end_mark.index or index == key.start_mark.index:
                if not (isinstance(key, yaml.ScalarNode) and _PLAIN_KEY.fullmatch(key.value)):
                    return keys
                keys.append(key.value)
                node = value
                break
        else:
            break
    return keys


def load_yaml(text: str) -> Any:
    """One YAML document within the bounds above; BadYaml otherwise."""
    loader = _Loader(text)
    node = None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_bounds(node)
        return loader.construct_document(node)
    except BadYaml as error:
        if error.index is not None:
            error.keys = _keys_to(node, error.index)
        raise
    except yaml.MarkedYAMLError as error:
        context = f" ({error.context})" if error.context and "tag" not in error.context else ""
        refused = BadYaml(f"{_problem(error)}{context}", error.problem_mark or error.context_mark)
        if node is not None and refused.index is not None:
            refused.keys = _keys_to(node, refused.index)
        raise refused from None
    except yaml.YAMLError:
        raise BadYaml("invalid YAML") from None
    finally:
        loader.dispose()
