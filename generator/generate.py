"""Regenerate generated_client/ from openapi.yaml: the one way that directory is written.

Steps, in order (each is deterministic, so the same inputs give byte-identical output):

1. openapi-python-client writes the attrs + httpx client package `tokenmarket_client`; the
   models' per-call imports are hoisted to module level where no import cycle needs them
   (generator/hoist_imports.py: `from_dict` of a stream chunk 2.8x faster).
2. datamodel-code-generator writes, from every schema, three things: strict pydantic v2 models
   (`tokenmarket_models`, for the mock gateway's request validation), TypedDicts
   (`tokenmarket_client/params.py`, so dict literals passed to the client type-check), and
   the client's results (`tokenmarket_client/schemas.py`: pydantic v2 models parsed
   leniently, on the runtime's base class `tokenmarket_client._models.BaseModel`).
3. The facade step (generator/facade.py, Jinja templates in generator/templates/) writes the
   friendly client from the spec: `resources/`, `_client.py`, `_aliases.py`,
   `_operations.py` and the package's `__init__.py`.
4. The distribution files in generator/package/ are laid in (pyproject.toml, README.md; the
   version from generator/package/VERSION) with the repository's LICENSE.
5. The hand-written runtime under overrides/ is laid in, mirroring the package layout. An
   override may only add a module; it may replace a generated one only if that file is listed
   in REPLACEABLE below (empty: the overlay is purely additive).
6. Every Python file gets a first line saying who wrote it, then the pinned ruff formats all.
7. PROVENANCE.json records the sha256 of every input, the tool versions and the command.

The result is built in a temporary directory and swapped in whole, so a failed run never
leaves a half-written client behind.

Usage: python -m generator.generate [--spec openapi.yaml] [--output generated_client]
                                    [--overrides overrides] [--facade-only]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import yaml

from generator.facade import generate_facade
from generator.hoist_imports import hoist_model_imports
from generator.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
GENERATOR_DIR = ROOT / "generator"
OVERRIDES_DIR = ROOT / "overrides"
PACKAGE_DIR = GENERATOR_DIR / "package"
CLIENT_PACKAGE = "tokenmarket_client"
MODELS_PACKAGE = "tokenmarket_models"
COMMAND = "nox -s generate"

# Generated files that an override is allowed to replace, with the reason. None: everything
# per operation is generated, and the hand-written runtime only adds modules.
REPLACEABLE: frozenset[str] = frozenset()

TOOLS = ("openapi-python-client", "datamodel-code-generator", "ruff", "pydantic", "jinja2")

# datamodel-code-generator options shared by both outputs. Field and schema descriptions
# become docstrings; titles name the classes; single-branch roots collapse into their users.
DATAMODEL_COMMON = [
    "--input-file-type=openapi",
    "--disable-timestamp",
    "--target-python-version=3.11",
    "--use-annotated",
    "--use-schema-description",
    "--use-field-description",
    "--use-double-quotes",
    "--use-title-as-name",
    "--collapse-root-models",
    "--formatters=ruff-format",
]
# Pydantic models: extra fields kept (the spec allows them everywhere) and the MISSING
# sentinel for optional fields, so an explicit null for a non-nullable field is rejected
# exactly as the spec says, instead of being read as "absent".
DATAMODEL_PYDANTIC = [
    "--output-model-type=pydantic_v2.BaseModel",
    "--target-pydantic-version=2.14",
    "--use-missing-sentinel",
    "--strict-nullable",
    "--field-constraints",
    "--allow-extra-fields",
    "--capitalise-enum-members",
    "--enum-field-as-literal=one",
]
# The client's results: lenient for forward compatibility. An absent optional field is None
# (no MISSING sentinel, no strict nullability), enumerations are open strings, extra fields
# are kept; the base class adds headers, `to_dict()` and the rest (overrides/.../_models.py).
DATAMODEL_RESULTS = [
    "--output-model-type=pydantic_v2.BaseModel",
    "--target-pydantic-version=2.14",
    "--allow-extra-fields",
    "--ignore-enum-constraints",
    "--enum-field-as-literal=one",
    f"--base-class={CLIENT_PACKAGE}._models.BaseModel",
]
DATAMODEL_TYPEDDICT = [
    "--output-model-type=typing.TypedDict",
    "--enum-field-as-literal=all",
]


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The files of generator/ whose content decides the output (the checker, for one, does not).
GENERATOR_INPUTS = (
    "generate.py",
    "spec.py",
    "facade.py",
    "contract.py",
    "templates",
    "hoist_imports.py",
    "openapi-python-client.yaml",
    "package",
)


def input_files(spec: Path, overrides_dir: Path = OVERRIDES_DIR) -> dict[str, Path]:
    """Every file whose content decides the output, keyed by a stable display name."""
    files = {"openapi.yaml": spec, "LICENSE": ROOT / "LICENSE"}
    locations = [(GENERATOR_DIR / name, f"generator/{name}") for name in GENERATOR_INPUTS]
    locations.append((overrides_dir, "overrides"))
    for location, label in locations:
        if location.is_file():
            files[label] = location
            continue
        for path in sorted(location.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[f"{label}/{path.relative_to(location).as_posix()}"] = path
    return files


def header_for(relative: str, override_source: str | None) -> str:
    """The first line of a generated Python file: who wrote it and where to change it."""
    if override_source is not None:
        return (
            f"# Laid in from {override_source} by `{COMMAND}`: "
            "edit it there and regenerate, not here.\n"
        )
    return (
        f"# Generated by `{COMMAND}` from openapi.yaml: do not edit; "
        "change the spec or generator/ and regenerate.\n"
    )


def run(*args: str | Path, cwd: Path | None = None) -> None:
    """Run a tool of this virtual environment, failing loudly with its output."""
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / str(args[0])), *map(str, args[1:])]
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"generate: {' '.join(command)} failed with exit code {result.returncode}")


def client_config(spec: Path, directory: Path) -> Path:
    """openapi-python-client's configuration, written into `directory`: the checked-in file
    plus a `content_type_overrides` entry reading every binary media type of the spec as
    `application/octet-stream` (its parser drops `audio/*` answers otherwise)."""
    config = yaml.safe_load((GENERATOR_DIR / "openapi-python-client.yaml").read_text("utf-8"))
    binary = {
        media.name
        for operation in load_spec(spec).operations
        for media in (
            *operation.request_media_types,
            *(item for response in operation.responses for item in response.media_types),
        )
        if media.is_binary
    }
    config["content_type_overrides"] = dict.fromkeys(sorted(binary), "application/octet-stream")
    path = directory / "openapi-python-client.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def generate_client(spec: Path, build: Path) -> None:
    """openapi-python-client: the attrs + httpx package, warnings are errors."""
    scratch = build.parent / "opc"
    run(
        "openapi-python-client",
        "generate",
        "--path",
        spec,
        "--config",
        client_config(spec, build.parent),
        "--meta",
        "none",
        "--fail-on-warning",
        "--output-path",
        scratch,
    )
    shutil.move(scratch, build / CLIENT_PACKAGE)
    # `--meta none` leaves out the PEP 561 marker; the package is typed, so say so.
    (build / CLIENT_PACKAGE / "py.typed").write_bytes(b"")
    # Per-call imports dominated model parsing; hoist those no import cycle needs.
    hoist_model_imports(build / CLIENT_PACKAGE / "models")


def generate_models(spec: Path, build: Path) -> None:
    """datamodel-code-generator: pydantic models and TypedDicts of every schema."""
    models_dir = build / MODELS_PACKAGE
    models_dir.mkdir()
    run(
        "datamodel-codegen",
        "--input",
        spec,
        "--output",
        models_dir / "__init__.py",
        *DATAMODEL_COMMON,
        *DATAMODEL_PYDANTIC,
    )
    (models_dir / "py.typed").write_bytes(b"")
    run(
        "datamodel-codegen",
        "--input",
        spec,
        "--output",
        build / CLIENT_PACKAGE / "params.py",
        *DATAMODEL_COMMON,
        *DATAMODEL_TYPEDDICT,
    )
    generate_results(spec, build / CLIENT_PACKAGE)


def generate_results(spec: Path, package: Path) -> None:
    """datamodel-code-generator: the client's result models (`schemas.py`), parsed leniently."""
    run(
        "datamodel-codegen",
        "--input",
        spec,
        "--output",
        package / "schemas.py",
        *DATAMODEL_COMMON,
        *DATAMODEL_RESULTS,
    )


def generate_facade_step(spec: Path, build: Path) -> list[str]:
    """The friendly client: resources, client class, exports (generator/facade.py).

    Returns the files written against the hand-written runtime (the facade's and the result
    models, whose base class is the runtime's), relative to the build.
    """
    written = generate_facade(load_spec(spec), build / CLIENT_PACKAGE)
    against = [path.relative_to(build).as_posix() for path in written]
    return sorted([*against, f"{CLIENT_PACKAGE}/schemas.py"])


def client_version() -> str:
    """The client's release number, generator/package/VERSION: it moves on its own (a client-only
    fix is a new client release on the same spec), and CHANGELOG.md has a section for each."""
    version = (PACKAGE_DIR / "VERSION").read_text(encoding="utf-8").strip()
    if not re.fullmatch(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?", version):
        raise SystemExit(f"generate: generator/package/VERSION {version!r} is not PEP 440")
    return version


def lay_in_package_files(spec: Path, build: Path) -> None:
    """The distribution's pyproject.toml, README.md and LICENSE, with the client's version and
    the version of the spec it is generated from."""
    versions = {"@CLIENT_VERSION@": client_version(), "@SPEC_VERSION@": load_spec(spec).version}
    for source in sorted(PACKAGE_DIR.iterdir()):
        if source.name == "VERSION":
            continue
        text = source.read_text(encoding="utf-8")
        for placeholder, value in versions.items():
            text = text.replace(placeholder, value)
        # Templates end in .in so tools do not read them as real project files.
        (build / source.name.removesuffix(".in")).write_text(text, encoding="utf-8")
    shutil.copyfile(ROOT / "LICENSE", build / "LICENSE")


def lay_in_overrides(build: Path, overrides_dir: Path) -> dict[str, str]:
    """Copy overrides/ over the build; return {destination: source} of every file laid in."""
    laid: dict[str, str] = {}
    for source in sorted(overrides_dir.rglob("*.py")):
        if "__pycache__" in source.parts:
            continue
        relative = source.relative_to(overrides_dir).as_posix()
        target = build / relative
        if target.exists() and relative not in REPLACEABLE:
            raise SystemExit(
                f"generate: overrides/{relative} would replace a generated module; "
                "add it to REPLACEABLE in generator/generate.py with a reason, or rename it"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        laid[relative] = f"overrides/{relative}"
    return laid


def add_headers(build: Path, overrides: dict[str, str]) -> None:
    """Prefix every Python file with its provenance line (replacing a tool's own banner)."""
    for path in sorted(build.rglob("*.py")):
        relative = path.relative_to(build).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        # datamodel-code-generator writes its own two-line banner; ours replaces it.
        while lines and lines[0].startswith(("# generated by datamodel-codegen", "#   filename:")):
            lines.pop(0)
        path.write_text(header_for(relative, overrides.get(relative)) + "".join(lines), "utf-8")


def format_tree(build: Path) -> None:
    """Tidy and format with the pinned ruff, isolated from any configuration file.

    The import fixes are the ones openapi-python-client's own post-hooks make (its raw output
    repeats imports); they are safe, deterministic rewrites.
    """
    ruff = ("--isolated", "--line-length", "100", "--quiet")
    run("ruff", "check", *ruff, "--fix", "--select", "I,F401,F811", "--exit-zero", build)
    run("ruff", "format", *ruff, build)


def write_provenance(
    spec: Path,
    overrides_dir: Path,
    build: Path,
    overrides: dict[str, str],
    on_runtime: list[str],
) -> None:
    """PROVENANCE.json: what was generated from what, by which tools and command."""
    inputs = input_files(spec, overrides_dir)
    provenance = {
        "generated_by": COMMAND,
        "spec": {
            "path": "openapi.yaml",
            "sha256": sha256_file(spec),
            "version": load_spec(spec).version,
        },
        "client_version": client_version(),
        "inputs": {name: sha256_file(path) for name, path in inputs.items()},
        "tools": {tool: metadata.version(tool) for tool in TOOLS},
        "overrides": overrides,
        "replaceable": sorted(REPLACEABLE),
        # Generated modules that call the hand-written runtime; no other generated one may.
        "generated_against_runtime": on_runtime,
    }
    text = json.dumps(provenance, indent=2, sort_keys=True) + "\n"
    (build / "PROVENANCE.json").write_text(text, encoding="utf-8")


def generate_facade_alone(spec: Path, output: Path) -> list[str]:
    """Only what the facade step needs and writes, formatted as `generate` formats it.

    The TypedDicts and result models of `spec` are generated into a scratch package, the
    facade is written there, and the facade's files are copied to `output` (relative paths
    returned). The golden record of tests/generation is made this way from a toy spec.
    """
    spec = spec.resolve()
    with tempfile.TemporaryDirectory(prefix="tokenmarket-facade-") as scratch:
        build = Path(scratch) / "build"
        package = build / CLIENT_PACKAGE
        package.mkdir(parents=True)
        run(
            "datamodel-codegen",
            "--input",
            spec,
            "--output",
            package / "params.py",
            *DATAMODEL_COMMON,
            *DATAMODEL_TYPEDDICT,
        )
        generate_results(spec, package)
        written = generate_facade_step(spec, build)
        written.remove(f"{CLIENT_PACKAGE}/schemas.py")
        add_headers(build, {})
        format_tree(build)
        for relative in written:
            target = output / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(build / relative, target)
        return written


def generate(spec: Path, output: Path, overrides_dir: Path = OVERRIDES_DIR) -> None:
    """Build the whole client for `spec` and swap it in at `output`."""
    spec = spec.resolve()
    output = output.resolve()
    overrides_dir = overrides_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="tokenmarket-generate-") as scratch:
        build = Path(scratch) / "build"
        build.mkdir()
        generate_client(spec, build)
        generate_models(spec, build)
        on_runtime = generate_facade_step(spec, build)
        lay_in_package_files(spec, build)
        overrides = lay_in_overrides(build, overrides_dir)
        add_headers(build, overrides)
        format_tree(build)
        for cache in build.rglob(".ruff_cache"):
            shutil.rmtree(cache)
        write_provenance(spec, overrides_dir, build, overrides, on_runtime)
        if output.exists():
            shutil.rmtree(output)
        shutil.copytree(build, output)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "openapi.yaml")
    parser.add_argument("--output", type=Path, default=ROOT / "generated_client")
    parser.add_argument("--overrides", type=Path, default=OVERRIDES_DIR)
    parser.add_argument(
        "--facade-only", action="store_true", help="write only the facade step's files"
    )
    args = parser.parse_args(argv)
    if args.facade_only:
        generate_facade_alone(args.spec, args.output)
    else:
        generate(args.spec, args.output, args.overrides)
    print(f"generate: wrote {args.output}")


if __name__ == "__main__":
    main()
