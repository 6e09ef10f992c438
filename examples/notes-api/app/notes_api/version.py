"""The release of this code; /health and every JSON answer report it."""
VERSION = "v1"
