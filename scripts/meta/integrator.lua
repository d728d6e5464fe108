---@meta rscript.integrator

--- Versioned integration of published files: `require("rscript.integrator")`. An instance's
--- representations are copied into a new version folder laid out by a path template, with the
--- version's metadata as `version.json` at the top of it, through a transaction: the files are
--- staged in a hidden folder beside the version folder (`.v003.tmp-<uuid>`) that is renamed into
--- place once complete; a failure removes it and re-raises, leaving no partial version. Errors
--- start with `integrator:` (argument errors with the function's name).
---@class rscript.integrator
local integrator = {}

--- `{root}/{project}/{asset}/publish/{family}/{subset}/v{version:0>3}/{asset}_{subset}_v{version:0>3}.{ext}`
---@type string
integrator.DEFAULT_TEMPLATE = ""

--- `"version.json"`: the metadata file at the top of every version folder.
---@type string
integrator.METADATA_NAME = ""

--- How many versions a publish tries when concurrent publishes keep taking them (20).
---@type integer
integrator.MAX_ATTEMPTS = 20

--- An AYON-style representation, as extractors put it in `instance.data.representations`.
---@class rscript.integrator.Representation
---@field name? string Defaults to `ext`.
---@field ext? string Without the dot; defaults to the first file's extension.
---@field files string|string[] One file name (a string), or a frame sequence (a list of names with frame numbers, such as `beauty.0001.png`). Absolute paths are used as they are.
---@field stagingDir? string The folder holding `files`.
---@field frameStart? integer
---@field frameEnd? integer

---@class rscript.integrator.Options
---@field template? string The template, over `context_data.publish_template`, `RSCRIPT_PUBLISH_TEMPLATE` and the default.
---@field version? integer A fixed version instead of the next one; an error when it exists.

---@class rscript.integrator.PublishedRepresentation
---@field name string
---@field ext string
---@field files string[] Absolute paths.

---@class rscript.integrator.Published
---@field version integer
---@field folder string The version folder (absolute).
---@field files string[] Every published file (absolute), representation by representation.
---@field metadata string The path of `version.json`.
---@field representations rscript.integrator.PublishedRepresentation[]

--- Fills `template` as Python's `str.format` does with named fields: `{key}`, `{key:spec}` with
--- spec `[[fill]align][sign][0][width][.precision][type]` (align `<` `>` `^` `=`, type `d` `s`
--- `f`; `0>3` and `03d` pad to three digits), `{{` and `}}` for braces, `{a.b}` for `values.a.b`.
--- A key without a value (nil or null) raises
--- `integrator: template key 'asset' has no value in '<template>'`.
---@param template string
---@param values table
---@return string
function integrator.format_template(template, values) end

--- The field names of `template`, in order of first use.
---@param template string
---@return string[]
function integrator.template_keys(template) end

--- `context_data.publish_template`, else `$RSCRIPT_PUBLISH_TEMPLATE`, else `fallback`, else
--- `DEFAULT_TEMPLATE`.
---@param context_data? table
---@param fallback? string
---@return string
function integrator.resolve_template(context_data, fallback) end

--- The next version: the template's first path component holding `{version}` (a folder; a
--- version only in the file name is an error) is matched against the names in its parent
--- folder; the highest version found plus one, 1 when there is none. Gaps are skipped.
---@param template string
---@param values table The template's values, without `version`.
---@return integer
function integrator.next_version(template, values) end

--- Publishes `instance_data.representations` as a new version. Template values are the
--- context's keys, then the instance's over them, plus `version`, `ext`, `representation` and,
--- for a frame sequence, `frame` (the file's frame number with its padding; without `{frame}` in
--- the template, `.{frame}` goes before `.{ext}`). Representations that would write the same
--- file get `_{representation}` before the extension; if that cannot separate them it is an
--- error. When another publish takes the version meanwhile, the next one is tried.
--- `version.json` holds instance_id, project, asset, task, family, families, subset, variant,
--- version, time (ISO 8601 UTC), author (context `user`, else `$USER`), source (context
--- `workfile`), comment, host, frameStart, frameEnd, template and representations (name, ext,
--- frameStart, frameEnd, files relative to the version folder).
---@param instance_data table
---@param context_data? table root, project, asset, task, user, workfile, comment, host, publish_template
---@param options? rscript.integrator.Options
---@return rscript.integrator.Published
function integrator.integrate(instance_data, context_data, options) end

return integrator
