// Tests for this module live beside this file; it only keeps the target non-empty until they land.
import Testing
