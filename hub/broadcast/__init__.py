"""Zone broadcasts and live paging from the console and the command line."""
