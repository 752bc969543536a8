"""The playground: open a generation or a prompt version, edit it, run it on several models with
streamed output, record each run as a trace and save the edited messages as a prompt version."""
