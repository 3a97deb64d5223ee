"""Violation measures (VIO): what each measure forbids while in force, appeals and lifting."""
