"""The run itself: ``pipeline.execute`` drives one planned run through a backend (start
platform -> run tests -> collect -> teardown -> report), collectors and teardown guaranteed."""
