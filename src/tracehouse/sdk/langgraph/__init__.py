"""LangGraph on Tracehouse: `TracehouseSaver`, a checkpointer whose checkpoints are Tracehouse
checkpoints on the run's trace (docs/agent-dev-loop.md), and `TracehouseStore`, LangGraph's
`BaseStore` on Tracehouse memory (docs/memory.md). Needs the `langgraph` package."""

from tracehouse.sdk.langgraph._saver import TracehouseSaver
from tracehouse.sdk.langgraph._store import TracehouseStore

__all__ = ["TracehouseSaver", "TracehouseStore"]
