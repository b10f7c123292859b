from django.apps import AppConfig


class PostsConfig(AppConfig):
    """Posts, their media and hashtags: composing, timelines, hashtag pages and search."""

    name = "microblog.posts"
    label = "mb_posts"
    default_auto_field = "django.db.models.BigAutoField"
