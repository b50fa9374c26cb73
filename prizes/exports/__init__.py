"""Large CSV exports, written by the background worker and downloaded by the secretariat."""
