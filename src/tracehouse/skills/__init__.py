"""Skills: versioned packages of instructions agents load, in a project or organization."""
