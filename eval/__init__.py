"""restag.eval"""
