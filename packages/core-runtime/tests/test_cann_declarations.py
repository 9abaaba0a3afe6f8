"""Our declarations of CANN's C API equal CANN's published ones.

torch-npu declares the part of CANN it calls in headers of its own (include/acl/acl_base.h and
acl_rt.h; aten-ops' include/aclnn/acl_meta.h; distributed-hccl's include/hccl/). This test compiles them beside CANN's headers as
Huawei's torch_npu wheel ships them and checks, for every name our headers declare: the function
signatures, the typedefs, each enum's underlying type and each member's value, the layout of each
struct, and each constant's value, type and kind (macro or `static const`). For the runtime it also
checks that the loader's table (csrc/acl/AclSymbols.h) lists exactly those functions, with the same
types, and likewise for HCCL's table (distributed-hccl's csrc/HcclSymbols.h) and the profiling table
(acl/acl_prof.h, checked as a family of its own: profiler's csrc/ProfilingSymbols.h), and for the
hardware self-tests of libascend_ml.so (aml/aml_fwk_detect.h: csrc/acl/AmlSymbols.h). The functions of
CANN releases after 8.5.0 (acl/acl_rt_newer.h, resolved only where present: csrc/acl/AclNewerSymbols.h)
are checked against the newest CANN headers. CANN's headers are fetched from the package registry at
test time, into a temporary directory: they are never kept in this tree.
"""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import pytest

# The torch_npu release whose wheel carries the headers of CANN 8.5.0, the release our cells target,
# and the newest release, for the functions of later CANNs we resolve only where present. Their
# headers are platform independent; the platform and Python tags only pick one of their wheels.
CANN_HEADERS_WHEEL_VERSION = "2.9.0"
NEWEST_CANN_HEADERS_WHEEL_VERSION = "2.14.0"
CANN_HEADERS_WHEEL_TAGS = ("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                           "--implementation", "cp", "--abi", "cp311")  # fmt: skip
CANN_HEADERS_IN_WHEEL = "torch_npu/include/third_party/"

CORE_RUNTIME_SOURCE = Path(__file__).resolve().parents[1]
PACKAGES_SOURCE = Path(__file__).resolve().parents[2]
ATEN_OPS_INCLUDE = PACKAGES_SOURCE / "aten-ops" / "include"  # not installed
HCCL_INCLUDE = PACKAGES_SOURCE / "distributed-hccl" / "include"  # not installed
LOADER_TABLE = CORE_RUNTIME_SOURCE / "csrc" / "acl" / "AclSymbols.h"
NEWER_LOADER_TABLE = CORE_RUNTIME_SOURCE / "csrc" / "acl" / "AclNewerSymbols.h"
HCCL_LOADER_TABLE = PACKAGES_SOURCE / "distributed-hccl" / "csrc" / "HcclSymbols.h"
PROFILING_LOADER_TABLE = PACKAGES_SOURCE / "profiler" / "csrc" / "ProfilingSymbols.h"
AML_LOADER_TABLE = CORE_RUNTIME_SOURCE / "csrc" / "acl" / "AmlSymbols.h"
# Set to 1 to check the headers of the source tree rather than the installed torch_npu's.
SOURCE_HEADERS_VARIABLE = "TORCH_NPU_CHECK_SOURCE_HEADERS"


def core_runtime_include() -> Path:
    """Where our runtime headers are: the installed torch_npu's include/, or the source tree's."""
    if os.environ.get(SOURCE_HEADERS_VARIABLE) == "1":
        return CORE_RUNTIME_SOURCE / "include"
    spec = importlib.util.find_spec("torch_npu")  # locates it without loading the runtime
    assert spec is not None and spec.origin, f"torch_npu is not installed (or set {SOURCE_HEADERS_VARIABLE}=1)"
    return Path(spec.origin).parent / "include"


@dataclass(frozen=True)
class Family:
    """Every header in one directory of ours, checked against one CANN header."""

    name: str
    directory: str  # of our headers, under our include root
    cann_header: str  # relative to one of the wheel's include roots
    source_include: Optional[Path] = None  # a package's include/ that is not installed: the source tree's
    loader_table: Optional[Path] = None  # the X-macro table the loader expands
    loader_macro: str = "TORCH_NPU_ACL_RUNTIME_SYMBOLS"  # the table's macro
    only: Tuple[str, ...] = ()  # the directory's headers it checks (empty: all but `excluding`)
    excluding: Tuple[str, ...] = ()  # headers of the directory another family checks
    wheel_version: str = CANN_HEADERS_WHEEL_VERSION  # of the torch_npu wheel with the CANN headers to match

    def include_roots(self) -> List[Path]:
        """Our include directories, the family's own first, then what its headers include."""
        return ([self.source_include] if self.source_include else []) + [core_runtime_include()]

    def our_headers(self) -> List[str]:
        """The family's headers, relative to its include root."""
        root = self.include_roots()[0]
        return sorted(path.relative_to(root).as_posix() for path in (root / self.directory).glob("*.h")
                      if (path.name in self.only if self.only else path.name not in self.excluding))  # fmt: skip


FAMILIES = (
    Family("acl runtime", "acl", "acl/acl.h", loader_table=LOADER_TABLE, excluding=("acl_prof.h", "acl_rt_newer.h")),
    Family("acl runtime, newer CANN", "acl", "acl/acl.h", loader_table=NEWER_LOADER_TABLE,
           loader_macro="TORCH_NPU_ACL_NEWER_SYMBOLS", only=("acl_rt_newer.h",),
           wheel_version=NEWEST_CANN_HEADERS_WHEEL_VERSION),
    Family("acl profiling", "acl", "acl/acl_prof.h", loader_table=PROFILING_LOADER_TABLE,
           loader_macro="TORCH_NPU_ACL_PROFILING_SYMBOLS", only=("acl_prof.h",)),
    Family("aml detect", "aml", "aml/aml_fwk_detect.h", loader_table=AML_LOADER_TABLE,
           loader_macro="TORCH_NPU_AML_SYMBOLS"),
    Family("aclnn descriptors", "aclnn", "aclnn/acl_meta.h", source_include=ATEN_OPS_INCLUDE),
    Family("hccl", "hccl", "hccl/hccl.h", source_include=HCCL_INCLUDE, loader_table=HCCL_LOADER_TABLE,
           loader_macro="TORCH_NPU_HCCL_SYMBOLS"),
)


# --- Our headers -----------------------------------------------------------------------------

@dataclass
class Declarations:
    """What a set of our headers declares, by kind of name."""

    functions: List[str] = field(default_factory=list)
    typedefs: List[str] = field(default_factory=list)
    enums: Dict[str, List[str]] = field(default_factory=dict)  # tag -> members
    structs: Dict[str, List[str]] = field(default_factory=dict)  # tag with a body -> members
    tags: Set[str] = field(default_factory=set)  # every enum and struct tag, opaque ones too
    macro_constants: List[str] = field(default_factory=list)
    variable_constants: List[str] = field(default_factory=list)  # `static const T NAME = ...;`
    macros: Set[str] = field(default_factory=set)  # every macro name, constant or not

    def merge(self, other: "Declarations") -> None:
        """Adds `other`'s names to these."""
        self.functions += other.functions
        self.typedefs += other.typedefs
        self.enums.update(other.enums)
        self.structs.update(other.structs)
        self.tags |= other.tags
        self.macro_constants += other.macro_constants
        self.variable_constants += other.variable_constants
        self.macros |= other.macros


_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_DEFINE = re.compile(r"#\s*define\s+(\w+)(\()?\s*(.*)")
_QUOTED_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# A union (HCCL's HcclConfigValue) is checked as a struct is: size, alignment, members.
_TAG_BODY = re.compile(r"\b(enum|struct|union)\s+(\w+)\s*(?::[^{;]*)?\{([^{}]*)\}")  # an enum may name its type
_TAG = re.compile(r"\b(?:enum|struct|union)\s+(\w+)")
# `typedef enum { ... } name;`, which CANN uses for some enums: read as `enum name`, whose
# typedef and members are then checked like those of a tagged enum.
_ANONYMOUS_ENUM = re.compile(r"\btypedef\s+enum\s*\{([^{}]*)\}\s*(\w+)\s*;")


def parse_header(path: Path) -> Declarations:
    """Names declared by one of our headers, which keep to a simple style of C declarations.

    Fails on a declaration it cannot classify, so that nothing goes unchecked unnoticed.
    """
    text = _ANONYMOUS_ENUM.sub(r"typedef enum \2 {\1} \2;", _COMMENT.sub(" ", path.read_text()).replace("\\\n", " "))
    lines = text.splitlines()
    code = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    found = Declarations()
    for line in lines:
        define = _DEFINE.match(line.strip())
        if define:
            name, function_like, body = define.groups()
            found.macros.add(name)
            # Attribute macros (ACL_FUNC_VISIBILITY) and empty ones are no constants.
            if not function_like and body.strip() and "__attribute__" not in body:
                found.macro_constants.append(name)
    for kind, tag, body in _TAG_BODY.findall(code):
        items = [item.strip() for item in body.split("," if kind == "enum" else ";")]
        if kind == "enum":
            found.enums[tag] = [re.match(r"\w+", item).group() for item in items if item]
        else:
            found.structs[tag] = [re.search(r"(\w+)\s*(?:\[[^\]]*\]\s*)*$", item).group(1) for item in items if item]
    found.tags = set(_TAG.findall(code))
    # With the tag bodies and the extern "C" block removed, what is left is a list of statements.
    flat = _TAG_BODY.sub(r"\1 \2", code).replace('extern "C" {', " ").replace("}", " ")
    unreadable = []
    for statement in (" ".join(part.split()) for part in flat.split(";")):
        function = re.search(r"\b(\w+)\s*\([^()]*\)$", statement)
        constant = re.match(r"static const [\w ]+?\b(\w+) =", statement)
        if statement.startswith("typedef "):
            pointer = re.search(r"\(\s*\*\s*(\w+)\s*\)", statement)  # typedef R (*name)(...)
            found.typedefs.append(pointer.group(1) if pointer else re.findall(r"\w+", statement)[-1])
        elif constant:
            found.variable_constants.append(constant.group(1))
        elif function:
            found.functions.append(function.group(1))
        elif statement and not re.fullmatch(r"(?:enum|struct|union) \w+", statement):
            unreadable.append(statement)
    assert not unreadable, f"{path}: this test does not know how to check {unreadable}"
    return found


def header_closure(headers: List[str], roots: List[Path]) -> List[Path]:
    """Our headers and the ones of ours they include, each after its dependencies."""
    ordered: List[Path] = []

    def visit(relative: str, includer: str) -> None:
        path = next((root / relative for root in roots if (root / relative).is_file()), None)
        assert path is not None, f"{includer} includes {relative}, found in none of {roots}"
        if path in ordered:
            return
        for included in _QUOTED_INCLUDE.findall(path.read_text()):
            visit(included, relative)
        ordered.append(path)

    for header in headers:
        visit(header, "the family")
    return ordered


def loader_table_names(table: Path) -> List[str]:
    """The function names of the rows X(return type, name, (parameters), (arguments))."""
    return re.findall(r"\bX\(\s*[^,()]+,\s*(\w+)\s*,", _COMMENT.sub(" ", table.read_text()))


def prototype(function: str, text: str) -> str:
    """The declaration of `function` in C source `text`, on one line, for a failure message."""
    for match in re.finditer(rf"\b{function}\s*\(", text):
        start = max(text.rfind(boundary, 0, match.start()) for boundary in ";{}") + 1
        end = text.find(";", match.end()) + 1
        if end and not text[start:match.start()].rstrip().endswith(("(", ",")):  # not a parameter's name
            return " ".join(text[start:end].split())
    return "(not found)"


# --- CANN's headers --------------------------------------------------------------------------

_CANN_INCLUDE_ROOTS: Dict[str, List[Path]] = {}


def cann_include_roots(version: str, tmp_path_factory: pytest.TempPathFactory) -> List[Path]:
    """The include directories of CANN's headers from the torch_npu `version` wheel, extracted once a run."""
    if version not in _CANN_INCLUDE_ROOTS:
        _CANN_INCLUDE_ROOTS[version] = extract_cann_headers(version, tmp_path_factory)
    return _CANN_INCLUDE_ROOTS[version]


def extract_cann_headers(version: str, tmp_path_factory: pytest.TempPathFactory) -> List[Path]:
    """Downloads the torch_npu `version` wheel and extracts its CANN headers."""
    download_dir = tmp_path_factory.mktemp(f"torch-npu-{version}-wheel")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               *CANN_HEADERS_WHEEL_TAGS, f"torch-npu=={version}", "-d", str(download_dir)]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    wheels = list(download_dir.glob("*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        pytest.fail(f"could not fetch the torch-npu {version} wheel that carries CANN's headers "
                    f"({' '.join(command)}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")  # fmt: skip
    headers_dir = tmp_path_factory.mktemp(f"torch-npu-{version}-cann-headers")
    with zipfile.ZipFile(wheels[0]) as wheel:
        wheel.extractall(headers_dir, [name for name in wheel.namelist() if name.startswith(CANN_HEADERS_IN_WHEEL)])
    # third_party/<component>/inc is the include root of each CANN component (acl, hccl); HCCL's
    # headers include their siblings by the wheel's include path (third_party/hccl/inc/...).
    roots = sorted((headers_dir / CANN_HEADERS_IN_WHEEL).glob("*/inc"))
    assert roots, f"{wheels[0].name} has no {CANN_HEADERS_IN_WHEEL}*/inc: not Huawei's wheel with CANN's headers"
    return roots + [headers_dir / CANN_HEADERS_IN_WHEEL.rsplit("/", 2)[0]]


@dataclass
class CannNames:
    """The identifiers CANN's preprocessed header uses, and which of them are macros."""

    identifiers: Set[str]
    macros: Set[str]
    text: str  # preprocessed, to quote CANN's declaration of a function that differs


def cann_names(header: Path, roots: List[Path], work_dir: Path) -> CannNames:
    """Preprocesses CANN's `header` alone, keeping its #defines (-dD)."""
    source = work_dir / "cann_only.cpp"
    source.write_text(f'#include "{header}"\n')
    result = run_compiler(["-E", "-P", "-dD", str(source), *include_flags(roots)])
    assert result.returncode == 0, f"CANN's {header} does not preprocess alone:\n{result.stderr}"
    macros = set(re.findall(r"^#define (\w+)", result.stdout, re.M))
    return CannNames(set(re.findall(r"\b[A-Za-z_]\w*\b", result.stdout)), macros, result.stdout)


def include_flags(roots: List[Path]) -> List[str]:
    """-I flags for `roots`, searched in that order."""
    return [flag for root in roots for flag in ("-I", str(root))]


def run_compiler(arguments: List[str]) -> subprocess.CompletedProcess:
    """Runs the system g++ in C++20 on C++ sources."""
    compiler = shutil.which("g++")
    assert compiler, "g++ is needed to compile our declarations beside CANN's"
    command = [compiler, "-std=c++20", "-x", "c++", *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


# --- The side-by-side translation unit ---------------------------------------------------------

# Maps a type written with our (namespace ours) enums and structs to the same type written with
# CANN's, so that signatures compare with std::is_same.
AS_CANN_TEMPLATE = """
template <class T> struct AsCann { using type = T; };
template <class T> using as_cann_t = typename AsCann<T>::type;
template <class T> struct AsCann<T*> { using type = as_cann_t<T>*; };
template <class T> struct AsCann<const T> { using type = const as_cann_t<T>; };
template <class T, std::size_t N> struct AsCann<T[N]> { using type = as_cann_t<T>[N]; };
template <class R, class... A> struct AsCann<R(A...)> { using type = as_cann_t<R>(as_cann_t<A>...); };
"""


@dataclass
class Check:
    """The generated C++ for one family, with what it covers and what could not be generated."""

    source: str
    counts: Dict[str, int]
    problems: List[str]  # mismatches found without compiling (names CANN lacks, kinds that differ)
    our_text: str  # our headers without comments, to quote our declaration of a function that differs


class AssertionWriter:
    """Writes one static_assert per fact to compare, for the names CANN declares too."""

    def __init__(self, cann: CannNames) -> None:
        self.cann = cann
        self.asserts: List[str] = []
        self.problems: List[str] = []
        self.captures: List[str] = []  # CANN's constants, taken before our macros of the same names exist
        self.counts: Dict[str, int] = {}

    def in_cann(self, kind: str, name: str) -> bool:
        if name in self.cann.identifiers:
            return True
        self.problems.append(f"{kind} {name}: CANN's headers do not declare it")
        return False

    def check(self, condition: str, message: str) -> None:
        self.asserts.append(f'static_assert({condition}, "{message}");')

    def count(self, kind: str, number: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + number

    def typedefs(self, names: List[str]) -> None:
        for name in names:
            self.count("typedefs")
            if self.in_cann("typedef", name):
                self.check(f"std::is_same_v<as_cann_t<ours::{name}>, ::{name}>",
                           f"typedef {name}: names another type than CANN's")  # fmt: skip

    def enums(self, enums: Dict[str, List[str]]) -> None:
        for enum, members in enums.items():
            self.count("enums")
            if not self.in_cann("enum", enum):
                continue
            self.check(f"std::is_same_v<std::underlying_type_t<ours::{enum}>, std::underlying_type_t<::{enum}>>",
                       f"enum {enum}: underlying type differs from CANN's")  # fmt: skip
            for member in members:
                self.count("enum members")
                if self.in_cann(f"enum {enum} member", member):
                    self.check(f"std::is_same_v<decltype(::{member}), ::{enum}>",
                               f"enum {enum} member {member}: not in CANN's {enum}")  # fmt: skip
                    self.check(f"static_cast<long long>(ours::{member}) == static_cast<long long>(::{member})",
                               f"enum {enum} member {member}: value differs from CANN's")  # fmt: skip

    def structs(self, structs: Dict[str, List[str]]) -> None:
        for struct, members in structs.items():
            self.count("structs")
            if not self.in_cann("struct", struct):
                continue
            self.check(f"sizeof(ours::{struct}) == sizeof(::{struct})", f"struct {struct}: size differs from CANN's")
            self.check(f"alignof(ours::{struct}) == alignof(::{struct})",
                       f"struct {struct}: alignment differs from CANN's")  # fmt: skip
            for member in members:
                self.count("struct members")
                if self.in_cann(f"struct {struct} member", member):
                    self.check(f"offsetof(ours::{struct}, {member}) == offsetof(::{struct}, {member})",
                               f"struct {struct} member {member}: offset differs from CANN's")  # fmt: skip
                    self.check(f"std::is_same_v<as_cann_t<decltype(ours::{struct}::{member})>, "
                               f"decltype(::{struct}::{member})>",
                               f"struct {struct} member {member}: type differs from CANN's")  # fmt: skip

    def constants(self, macros: List[str], variables: List[str]) -> None:
        for name, ours in [(name, name) for name in macros] + [(name, f"ours::{name}") for name in variables]:
            self.count("constants")
            if not self.in_cann("constant", name):
                continue
            ours_kind = "a macro" if name in macros else "a static const"
            cann_kind = "a macro" if name in self.cann.macros else "a static const"
            if ours_kind != cann_kind:
                self.problems.append(f"constant {name}: ours is {ours_kind}, CANN's is {cann_kind}")
            self.captures.append(f"constexpr auto cann_constant_{name} = {name};")
            self.check(f"{ours} == cann_constant_{name}", f"constant {name}: value differs from CANN's")
            self.check(f"std::is_same_v<std::remove_cv_t<decltype({ours})>, "
                       f"std::remove_cv_t<decltype(cann_constant_{name})>>",
                       f"constant {name}: type differs from CANN's")  # fmt: skip

    def functions(self, names: List[str]) -> None:
        for name in names:
            self.count("functions")
            if self.in_cann("function", name):
                self.check(f"std::is_same_v<as_cann_t<decltype(ours::{name})>, decltype(::{name})>",
                           f"function {name}: our signature differs from CANN's")  # fmt: skip

    def loader_table(self, table: Path, macro: str, functions: List[str]) -> List[str]:
        """Lines, for inside namespace ours, that compare each row's type with our header's."""
        rows = loader_table_names(table)
        self.count("loader rows", len(rows))
        if sorted(rows) != sorted(functions):
            self.problems.append(f"{table.name} lists {sorted(set(rows) - set(functions))} beyond our headers "
                                 f"and lacks {sorted(set(functions) - set(rows))}")  # fmt: skip
        return [f'#include "{table}"',
                "#define CHECK_LOADER_ROW(ret, name, params, args) "
                f'static_assert(std::is_same_v<ret params, decltype(name)>, "{table.name} row " #name '
                '": its type differs from our header\'s");',
                f"{macro}(CHECK_LOADER_ROW)"]  # fmt: skip


def generate_check(family: Family, cann: CannNames, cann_header: Path, cann_roots: List[Path]) -> Check:
    """A translation unit with CANN's header at global scope and ours inside `namespace ours`."""
    roots = family.include_roots()
    own_headers = {roots[0] / header for header in family.our_headers()}
    closure = header_closure(family.our_headers(), roots)
    everything = Declarations()  # for the type mapping: includes what our headers depend on
    checked = Declarations()  # the family's own names
    for path in closure:
        declared = parse_header(path)
        everything.merge(declared)
        if path in own_headers:
            checked.merge(declared)

    writer = AssertionWriter(cann)
    writer.typedefs(checked.typedefs)
    writer.enums(checked.enums)
    writer.structs(checked.structs)
    writer.constants(checked.macro_constants, checked.variable_constants)
    writer.functions(checked.functions)  # last: a typedef or enum that differs shows first
    # Without __cplusplus our headers declare new names in namespace ours, not C-linkage
    # redeclarations of CANN's functions (which would be hard errors).
    ours = ["#undef __cplusplus", "namespace ours {", *(f'#include "{path}"' for path in closure)]
    if family.loader_table:
        ours += writer.loader_table(family.loader_table, family.loader_macro, checked.functions)
    ours.append("}  // namespace ours")
    mappings = [f"template <> struct AsCann<ours::{tag}> {{ using type = ::{tag}; }};"
                for tag in sorted(everything.tags) if tag in cann.identifiers]  # fmt: skip

    # CANN's version of each header ours include comes first, so that our quoted includes (same
    # relative paths) resolve to CANN's already-included, guarded files and add nothing.
    our_includes = (relative for path in closure for relative in _QUOTED_INCLUDE.findall(path.read_text()))
    cann_side = [cann_header.as_posix(), *(relative for relative in our_includes
                                           if any((root / relative).is_file() for root in cann_roots))]  # fmt: skip
    source = "\n".join([
        "#include <stdbool.h>", "#include <stddef.h>", "#include <stdint.h>", "#include <type_traits>",
        *(f'#include "{header}"' for header in dict.fromkeys(cann_side)), *writer.captures,
        *(f"#undef {name}" for name in sorted(everything.macros & cann.macros)),
        *ours, AS_CANN_TEMPLATE, *mappings, *writer.asserts, ""])  # fmt: skip
    our_text = "\n".join(_COMMENT.sub(" ", path.read_text()) for path in closure)
    return Check(source, writer.counts, writer.problems, our_text)


def compiler_failures(stderr: str) -> List[str]:
    """The failed static assertions, each with the values GCC reduced it to, and any other error."""
    failures: List[str] = []
    for line in stderr.splitlines():
        failed = re.search(r"error: static assertion failed: (.*)", line)
        reduced = re.search(r"note: the comparison reduces to (.*)", line)
        if failed:
            failures.append(failed.group(1))
        elif reduced and failures:
            failures[-1] += f" (ours vs CANN's: {reduced.group(1)})"
        elif "error:" in line:
            failures.append(line.strip())
    return failures


def with_prototypes(failure: str, check: Check, cann: CannNames) -> str:
    """A failed signature check followed by both declarations of the function."""
    function = re.match(r"function (\w+): our signature", failure)
    if not function:
        return failure
    name = function.group(1)
    return f"{failure}\n    ours:   {prototype(name, check.our_text)}\n    CANN's: {prototype(name, cann.text)}"


@pytest.mark.parametrize("family", FAMILIES, ids=lambda family: family.name)
def test_our_declarations_equal_canns(family: Family, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
                                      capsys: pytest.CaptureFixture) -> None:  # fmt: skip
    """Every function, typedef, enum, struct and constant of the family equals CANN's."""
    started = time.monotonic()
    wheel_version = family.wheel_version
    roots = cann_include_roots(wheel_version, tmp_path_factory)
    cann_header = next((root / family.cann_header for root in roots
                        if (root / family.cann_header).is_file()), None)  # fmt: skip
    if cann_header is None:
        pytest.skip(f"the torch-npu {wheel_version} wheel ships no CANN {family.cann_header}: "
                    f"our {', '.join(family.our_headers())} ({family.name}) are not checked against CANN")  # fmt: skip
    cann = cann_names(cann_header, roots, tmp_path)
    check = generate_check(family, cann, cann_header, roots)
    source = tmp_path / "side_by_side.cpp"
    source.write_text(check.source)
    # CANN's roots first (see generate_check); ours after, for includes CANN has no file for.
    compile_roots = roots + family.include_roots()
    result = run_compiler(["-fsyntax-only", str(source), *include_flags(compile_roots)])
    failures = check.problems + [with_prototypes(failure, check, cann) for failure in compiler_failures(result.stderr)]
    with capsys.disabled():
        covered = ", ".join(f"{count} {kind}" for kind, count in check.counts.items())
        print(f"\n{family.name} vs CANN's {family.cann_header} (torch-npu {wheel_version} wheel): "
              f"checked {covered} in {time.monotonic() - started:.2f} s")  # fmt: skip
    assert not failures and result.returncode == 0, (
        f"our {family.name} declarations differ from CANN's (torch-npu {wheel_version} wheel; "
        f"generated {source}):\n" + "\n".join(failures or [result.stderr])
    )
