-- rscript.pyblish: a pyblish-style publish pipeline (pyblish.api plus AYON's publish extensions).
--
--   local pyblish = require("rscript.pyblish")
--   local ValidateFrames = pyblish.InstancePlugin:extend("ValidateFrames")
--   ValidateFrames.order = pyblish.ValidatorOrder
--   ValidateFrames.families = {"render"}
--   function ValidateFrames:process(instance)
--     if instance.data.frameStart > instance.data.frameEnd then
--       error(pyblish.PublishValidationError("frameStart > frameEnd", "Invalid frame range",
--         "Set a start frame before the end frame."))
--     end
--   end
--   local report = pyblish.publish{ plugins = {ValidateFrames}, instances = {data...} }
--   print(pyblish.format_report(report))
--
-- The parts live beside this file: plugin.lua (plugin classes, matching, attributes),
-- errors.lua, context.lua (Context, Instance), runner.lua (publish), report.lua.

local plugin = require("rscript.pyblish.plugin")
local errors = require("rscript.pyblish.errors")
local context = require("rscript.pyblish.context")
local runner = require("rscript.pyblish.runner")
local report = require("rscript.pyblish.report")

local M = {}

-- Orders
M.CollectorOrder = plugin.CollectorOrder
M.ValidatorOrder = plugin.ValidatorOrder
M.ExtractorOrder = plugin.ExtractorOrder
M.IntegratorOrder = plugin.IntegratorOrder
M.VALIDATION_END = runner.VALIDATION_END

-- Plugins
M.Plugin = plugin.Plugin
M.ContextPlugin = plugin.ContextPlugin
M.InstancePlugin = plugin.InstancePlugin
M.is_plugin_class = plugin.is_plugin_class
M.plugin_label = plugin.label_of
M.instance_families = plugin.instance_families
M.plugin_matches_family = plugin.plugin_matches_family
M.plugin_matches_instance = plugin.plugin_matches_instance
M.plugin_matches_host = plugin.plugin_matches_host
M.plugin_matches_targets = plugin.plugin_matches_targets
M.attribute_defs_for = plugin.attribute_defs_for
M.attribute_defs_for_instance = plugin.attribute_defs_for_instance
M.attribute_defs_for_context = plugin.attribute_defs_for_context
M.get_attr_values_from_data = function(pluginClass, data)
  return plugin.class_of(pluginClass):get_attr_values_from_data(data)
end
M.is_plugin_enabled = plugin.enabled_for
M.new_logger = plugin.new_logger

-- Errors
M.PublishError = errors.PublishError
M.KnownPublishError = errors.KnownPublishError
M.PublishValidationError = errors.PublishValidationError
M.is_error = errors.is_error
M.error_kind = errors.kind_of
M.NEUTRAL_MESSAGE = runner.NEUTRAL_MESSAGE

-- Context and instances
M.Context = context.Context
M.Instance = context.Instance

-- Running and reporting
M.publish = runner.publish
M.sort_plugins = runner.sort_plugins
M.format_report = report.format_report
M.report_to_json = report.report_to_json

-- `pyblish.api.X` as in Python plugins that are ported line by line.
M.api = M

return M
