"""The MCP server at `/mcp`: Tracehouse's services as tools for AI assistants (streamable HTTP)."""
