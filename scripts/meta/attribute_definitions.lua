---@meta rscript.attribute_definitions

--- Typed definitions of the values a creator or publish plugin asks for (AYON's
--- `lib.attribute_definitions`): `require("rscript.attribute_definitions")`.
---
--- A constructor takes the key, then an options table (Python's keyword arguments), or one
--- table holding the key too: `AD.BoolDef("render_farm", {default = false})` is
--- `AD.BoolDef{key = "render_farm", default = false}`. A wrong option raises an error naming
--- the class and the option (`NumberDef: option 'minimum' must be a number, got string '1'`,
--- `NumberDef: unknown option 'minimun' (options: ...)`); a null option counts as not given.
--- Value errors name the attribute: `attribute 'frameStart': 500 is above the maximum 100`.
---@class rscript.attribute_definitions
local AD = {}

---@alias rscript.AttrDefType "boolean"|"number"|"text"|"enum"|"path"|"label"|"separator"|"hidden"|"unknown"|string

--- A kind of option value, for a subclass's `options`.
---@alias rscript.AttrOptionKind "any"|"string"|"key"|"boolean"|"number"|"integer"|"decimals"|"table"|"strings"|"paths"|"items"|{ what: string, check: fun(value: any): boolean }

--- The options every definition takes.
---@class rscript.AttrDefOptions
---@field key? string the key the value is stored under (required for value definitions; a non-empty string)
---@field default? any the default value (each type says what it takes and what it uses when none is given)
---@field label? string the label shown in a UI
---@field tooltip? string
---@field is_label_horizontal? boolean label beside the input (default true; false for FileDef)
---@field visible? boolean shown to the user (default true)
---@field enabled? boolean editable (default true)
---@field hidden? boolean the opposite of `visible` (AYON's older name); both given and agreeing is an error
---@field disabled? boolean the opposite of `enabled`

--- What every definition has. Subclass a definition with `Def:extend("Name")`; declare extra
--- options in `options` (name -> kind), extra serialized fields in `type_attributes`, set them
--- up in `setup(opts)` after calling the parent's, and `register_attr_def_class` a new `type`.
---@class rscript.AbstractAttrDef: rscript.Object
---@field key string the key of the value (nil for UI definitions made without one)
---@field type rscript.AttrDefType
---@field default any
---@field label string?
---@field tooltip string?
---@field is_label_horizontal boolean
---@field visible boolean
---@field enabled boolean
---@field hidden boolean `not visible`, at construction
---@field disabled boolean `not enabled`, at construction
---@field is_value_def boolean false for UILabelDef and UISeparatorDef, which hold no value
---@field id string a uuid of this definition object (not serialized, not compared)
---@field options table<string, rscript.AttrOptionKind> (class field) the options this class adds
---@field type_attributes string[] (class field) the fields this class adds to `serialize`
---@field positional string (class field) the option a plain first argument fills: "key" ("label" for UILabelDef)
---@field positional_required boolean (class field) whether that option must be given
local AbstractAttrDef = {}

--- Sets up the type's own fields from the checked options (`opts` holds every option given,
--- nulls dropped). The base one copies `opts.default`.
---@param opts table<string, any>
function AbstractAttrDef:setup(opts) end

--- Whether `value` is valid for this definition; when not, also the reason, without the key
--- (`"500 is above the maximum 100"`).
---@param value any
---@return boolean ok
---@return string? reason
function AbstractAttrDef:is_value_valid(value) end

--- `value` coerced to the definition's type; a value that cannot be coerced gives the default.
---@param value any
---@return any
function AbstractAttrDef:convert_value(value) end

--- Returns `value` if valid, else raises `attribute 'KEY': <reason>`.
---@generic T
---@param value T
---@return T
function AbstractAttrDef:validate(value) end

--- The value of command-line text ("true"/"yes"/"on"/"1", numbers, an enum item's value or
--- label, comma-separated lists for multiselection and multi-path definitions), validated.
--- Raises `attribute 'KEY': ...` for bad text; a UI definition raises as it takes no value.
---@param text string
---@return any
function AbstractAttrDef:parse_text(text) end

--- A plain JSON-able table with `type`, `key`, `label`, `tooltip`, `default`,
--- `is_label_horizontal`, `visible`, `enabled` and the type's own fields (absent when nil).
---@return table<string, any>
function AbstractAttrDef:serialize() end

--- A new, equal definition.
---@return self
function AbstractAttrDef:clone() end

---@class rscript.CompareOptions
---@field ignore_default? boolean
---@field ignore_enabled? boolean
---@field ignore_visible? boolean
---@field ignore_def_type_compare? boolean

--- Whether `other` is a definition of the same class with the same key, type fields, default,
--- visibility and enabled state (label and tooltip are not compared). `a == b` calls it.
---@param other any
---@param options? rscript.CompareOptions
---@return boolean
function AbstractAttrDef:compare_to_def(other, options) end

AD.AbstractAttrDef = AbstractAttrDef

--- A definition that holds no value (`is_value_def` false): UILabelDef, UISeparatorDef.
---@class rscript.UIDef: rscript.AbstractAttrDef
AD.UIDef = {}

--- A line between groups of attributes, type `"separator"`. The key is optional.
---@class rscript.UISeparatorDef: rscript.UIDef
---@overload fun(key?: string, options?: rscript.AttrDefOptions): rscript.UISeparatorDef
---@overload fun(options: rscript.AttrDefOptions): rscript.UISeparatorDef
AD.UISeparatorDef = {}

--- A text shown among the attributes, type `"label"`: `UILabelDef("Render settings")`.
---@class rscript.UILabelDef: rscript.UIDef
---@overload fun(label: string, options?: rscript.AttrDefOptions): rscript.UILabelDef
---@overload fun(options: rscript.AttrDefOptions): rscript.UILabelDef
AD.UILabelDef = {}

--- A value whose definition is not known, type `"unknown"`: any value is valid and kept.
---@class rscript.UnknownDef: rscript.AbstractAttrDef
---@overload fun(key: string, options?: rscript.AttrDefOptions): rscript.UnknownDef
---@overload fun(options: rscript.AttrDefOptions): rscript.UnknownDef
AD.UnknownDef = {}

--- A value of any JSON-able type that is never shown (`visible` is always false), type `"hidden"`.
---@class rscript.HiddenDef: rscript.AbstractAttrDef
---@overload fun(key: string, options?: rscript.AttrDefOptions): rscript.HiddenDef
---@overload fun(options: rscript.AttrDefOptions): rscript.HiddenDef
AD.HiddenDef = {}

---@class rscript.BoolDefOptions: rscript.AttrDefOptions
---@field default? boolean (default false)

--- true or false, type `"boolean"` (AYON serializes it as `"bool"`, which deserializes too).
--- `convert_value` also takes "true"/"yes"/"on"/"1", "false"/"no"/"off"/"0" and the numbers 1, 0.
---@class rscript.BoolDef: rscript.AbstractAttrDef
---@field default boolean
---@overload fun(key: string, options?: rscript.BoolDefOptions): rscript.BoolDef
---@overload fun(options: rscript.BoolDefOptions): rscript.BoolDef
AD.BoolDef = {}

---@class rscript.NumberDefOptions: rscript.AttrDefOptions
---@field minimum? number (default 0; finite)
---@field maximum? number (default 999999; finite; not below `minimum`)
---@field decimals? integer decimal places, 0 to 15 (default 0: whole numbers, as integers)
---@field default? number must be valid (default 0, clamped into the range)

--- A number in `minimum..maximum` with at most `decimals` decimal places, type `"number"`.
--- `is_value_valid` checks the type, the range and the decimals; `convert_value` takes numbers
--- and numeric text, clamps them into the range and rounds them to `decimals`.
---@class rscript.NumberDef: rscript.AbstractAttrDef
---@field minimum number
---@field maximum number
---@field decimals integer
---@field default number
---@overload fun(key: string, options?: rscript.NumberDefOptions): rscript.NumberDef
---@overload fun(options: rscript.NumberDefOptions): rscript.NumberDef
AD.NumberDef = {}

---@class rscript.TextDefOptions: rscript.AttrDefOptions
---@field multiline? boolean line breaks allowed (default false)
---@field regex? string ICU pattern the value must match from its start (as Python's re.match; end it with `$` to match the whole text); checked when the definition is made
---@field placeholder? string shown in an empty field
---@field default? string (default "")

--- Text, type `"text"`. `convert_value` takes strings and numbers (as text).
---@class rscript.TextDef: rscript.AbstractAttrDef
---@field multiline boolean
---@field regex string?
---@field placeholder string?
---@field default string
---@overload fun(key: string, options?: rscript.TextDefOptions): rscript.TextDef
---@overload fun(options: rscript.TextDefOptions): rscript.TextDef
AD.TextDef = {}

---@class rscript.EnumItem
---@field value string|number|boolean
---@field label string

---@class rscript.EnumDefOptions: rscript.AttrDefOptions
---@field items (string|number|boolean|rscript.EnumItem|{[1]: any, [2]: string?})[]|table<string|number, string> a list of values, of {value =, label =} tables or {value, label} pairs, or a table of value = label (sorted by value); required unless `multiselection`
---@field multiselection? boolean the value is a list of items (default false)
---@field placeholder? string
---@field default? any an item value (default: the first), or a list of them with `multiselection` (default {})

--- One of `items`, or a list of them with `multiselection`, type `"enum"`. Text names an item by
--- its value or its label (`parse_text` ignores case); `convert_value` drops what is not an item.
---@class rscript.EnumDef: rscript.AbstractAttrDef
---@field items rscript.EnumItem[]
---@field multiselection boolean
---@field placeholder string?
---@overload fun(key: string, options: rscript.EnumDefOptions): rscript.EnumDef
---@overload fun(options: rscript.EnumDefOptions): rscript.EnumDef
AD.EnumDef = {}

---@class rscript.FileDefOptions: rscript.AttrDefOptions
---@field single_item? boolean one path (default true), else a list of paths
---@field folders? boolean folders allowed (default: true when no `extensions` are given)
---@field extensions? string[] allowed file endings, with or without the dot, any case ({} or none: any file)
---@field allow_sequences? boolean frame patterns such as `shot.####.exr` or `shot.%04d.exr` allowed (default true)
---@field extensions_label? string shown instead of the extensions in a UI
---@field default? string|string[] (default "" with `single_item`, else {})

--- A path, or a list of paths without `single_item`, type `"path"`. A path ending in `/` or
--- naming an existing folder is a folder; one without an extension is taken for a folder to be
--- when folders are allowed. `""` is a valid single value (no path chosen).
--- `convert_value` also takes AYON file items ({directory =, filenames =, template =, is_sequence =}).
---@class rscript.FileDef: rscript.AbstractAttrDef
---@field single_item boolean
---@field folders boolean
---@field extensions string[] lowercase, with the dot, sorted
---@field allow_sequences boolean
---@field extensions_label string?
---@overload fun(key: string, options?: rscript.FileDefOptions): rscript.FileDef
---@overload fun(options: rscript.FileDefOptions): rscript.FileDef
AD.FileDef = {}

--- The option kinds (name -> {what =, check =}) that a subclass's `options` can name.
---@type table<string, { what: string, check: fun(value: any): boolean }>
AD.option_kinds = {}

--- Whether `value` is a definition (an instance, not a class).
---@param value any
---@return boolean
function AD.is_attr_def(value) end

--- Makes a definition class with a `type` of its own known to `deserialize_attr_def`; a type
--- registered twice is an error. Returns `cls`.
---@generic T: rscript.AbstractAttrDef
---@param cls T
---@return T
function AD.register_attr_def_class(cls) end

--- The definition a `serialize` table (possibly through JSON) describes; an unknown `type`
--- raises an error listing the known ones.
---@param data table<string, any>
---@return rscript.AbstractAttrDef
function AD.deserialize_attr_def(data) end

---@param list table<string, any>[]
---@return rscript.AbstractAttrDef[]
function AD.deserialize_attr_defs(list) end

---@param def rscript.AbstractAttrDef
---@return table<string, any>
function AD.serialize_attr_def(def) end

---@param defs rscript.AbstractAttrDef[]
---@return table<string, any>[]
function AD.serialize_attr_defs(defs) end

--- The keys of the value definitions, as a set (`keys.frameStart == true`).
---@param defs rscript.AbstractAttrDef[]
---@return table<string, true>
function AD.get_attributes_keys(defs) end

--- { key = default } for the value definitions (a JSON object: `{}` encodes as `{}`).
---@param defs rscript.AbstractAttrDef[]
---@return table<string, any>
function AD.get_default_values(defs) end

--- Each value converted by its definition (`convert_value`), the default where a value is
--- missing; values without a definition are kept as they are.
---@param defs rscript.AbstractAttrDef[]
---@param values? table<string, any>
---@return table<string, any>
function AD.convert_values(defs, values) end

--- ok, errors: whether each value definition's value in `values` is valid, and the messages
--- (`"attribute 'frameStart': 500 is above the maximum 100"`) in the order of `defs`. A missing
--- value is an error (`attribute 'x': no value`) unless `options.allow_missing`.
---@param defs rscript.AbstractAttrDef[]
---@param values table<string, any>
---@param options? { allow_missing?: boolean }
---@return boolean ok
---@return string[] errors
function AD.validate_values(defs, values, options) end

return AD
