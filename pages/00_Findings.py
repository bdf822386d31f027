"""Findings: the story of the results, the dashboard's landing page (logic in compsem.app.story)."""

from compsem.app import story

story.render()
