"""A believable synthetic world for the demo: people, posts, pictures, views and reshares.

Every name, text and hashtag here is made up and harmless. Pictures are generated.
Posts with media go through the same path as a person's upload, scans included.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from microblog.accounts.models import Profile
from microblog.accounts.services import sign_up
from microblog.posts import storage
from microblog.posts.models import Post, Reshare
from microblog.posts.services import publish_post
from microblog.safety import events
from microblog.seeding import pictures
from shieldwall_client import events as sw_events

log = logging.getLogger(__name__)

FIRST = [
    "Ada",
    "Ben",
    "Cleo",
    "Dev",
    "Elif",
    "Finn",
    "Gia",
    "Hugo",
    "Ines",
    "Jon",
    "Kai",
    "Lena",
    "Milo",
    "Nora",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sami",
    "Tove",
    "Uma",
    "Vik",
    "Wren",
    "Xena",
    "Yuki",
    "Zoe",
    "Arlo",
    "Bea",
    "Cruz",
    "Dana",
    "Emil",
    "Faye",
    "Gus",
    "Hana",
    "Ivo",
    "Juno",
    "Kit",
    "Lio",
    "Mae",
    "Nico",
    "Otto",
    "Perla",
    "Remy",
    "Sol",
    "Theo",
    "Ula",
    "Vera",
    "Will",
]
LAST = [
    "Abbott",
    "Bell",
    "Costa",
    "Diaz",
    "Engel",
    "Fox",
    "Gray",
    "Hale",
    "Ito",
    "Joshi",
    "Kerr",
    "Lund",
    "Moss",
    "Nash",
    "Okafor",
    "Park",
    "Quist",
    "Reyes",
    "Silva",
    "Torres",
    "Ueda",
    "Vance",
    "Weiss",
    "Young",
    "Zeller",
]
WORDS = [
    "sky",
    "tide",
    "fern",
    "moss",
    "pine",
    "cloud",
    "river",
    "stone",
    "maple",
    "cedar",
    "dune",
    "coral",
    "birch",
    "lark",
]
BIOS = (
    "Weekend hiker and amateur photographer.",
    "Coffee first. Then everything else.",
    "Baking bread, reading books, walking the dog.",
    "City lights and long train rides.",
    "Gardener. Mostly tomatoes.",
    "Stargazer with a small telescope.",
    "Trail runner, slow but steady.",
    "Here for the sunsets.",
    "",
)
TOPICS = {
    "sunsetwalk": (
        "Caught the last light on the ridge tonight",
        "Evening walk, no filter needed",
        "The sky put on a show again",
    ),
    "citylights": (
        "The view from the office after hours",
        "Night bus home, window seat",
        "Downtown never really sleeps",
    ),
    "gardenlife": (
        "First tomatoes of the season!",
        "Repotted everything this weekend",
        "The bees found the lavender",
    ),
    "homebaking": (
        "Sourdough attempt number seven. Getting there.",
        "Cinnamon rolls for the neighbours",
        "Flour everywhere, zero regrets",
    ),
    "trailrunning": (
        "Ten kilometres of mud and I loved it",
        "Early start, empty trail",
        "New shoes, same hills",
    ),
    "stargazing": (
        "Clear skies for once. Saturn was beautiful.",
        "Waited two hours for the clouds to move",
        "Dark sky site this weekend, anyone?",
    ),
    "bookclub": (
        "Finished this month's pick in one sitting",
        "Who else thought the ending was rushed?",
        "Library haul, six books deep",
    ),
    "placeholdertag": (
        "Testing out the new app",
        "Hello everyone, first post here",
        "Just saying hi",
    ),
}
EXTRAS = ("", "", ".", "!", ". Have a good one.", ". More soon.", ". What a day.")
TOPIC_IMAGE = {"sunsetwalk", "citylights", "stargazing", "placeholdertag", "trailrunning"}


@dataclass(frozen=True)
class SeedResult:
    """What seeding made, or that the world was there already."""

    accounts: int
    posts: int
    already: bool = False


def _name(rng: random.Random, i: int) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    style = i % 3
    if style == 0:
        handle = f"{first}{last}".lower()
    elif style == 1:
        handle = f"{first.lower()}_{rng.choice(WORDS)}"
    else:
        handle = f"{first.lower()}{rng.randint(2, 99)}"
    return f"{handle[:26]}{i % 1000:03d}" if i >= 40 else handle[:30], f"{first} {last}"


def _text(rng: random.Random, topic: str) -> str:
    line = rng.choice(TOPICS[topic])
    if line[-1] not in ".!?":
        line += rng.choice(EXTRAS)
    tags = [topic] + ([rng.choice(list(TOPICS))] if rng.random() < 0.25 else [])
    return f"{line} " + " ".join(f"#{t}" for t in dict.fromkeys(tags))


def seed_world(
    *,
    accounts: int = 200,
    posts: int = 400,
    image_share: float = 0.35,
    videos: int = 4,
    demo_password: str | None = None,
    rng_seed: int = 2026,
) -> SeedResult:
    """Create the world once; a second call finds it and changes nothing."""
    if Profile.objects.filter(handle="tidepool").exists():
        return SeedResult(Profile.objects.count(), Post.objects.count(), already=True)
    rng = random.Random(rng_seed)  # noqa: S311 (a reproducible demo world)
    now = timezone.now()
    people: list[Profile] = [
        sign_up(
            handle="tidepool",
            display_name="Tidepool Team",
            password=None,
            bio="News and tips from the Tidepool team.",
            created_at=now - timedelta(days=400),
        )
    ]
    if demo_password:
        people.append(
            sign_up(
                handle="demo",
                display_name="Demo Person",
                password=demo_password,
                bio="The demo account. Try posting a photo!",
                created_at=now - timedelta(days=30),
            )
        )
    seen = {p.handle for p in people}
    i = 0
    while len(people) < accounts:
        handle, display = _name(rng, i)
        i += 1
        if handle in seen:
            continue
        seen.add(handle)
        people.append(
            sign_up(
                handle=handle,
                display_name=display,
                password=None,
                bio=rng.choice(BIOS),
                created_at=now - timedelta(days=rng.randint(20, 900)),
            )
        )
    made = 0
    picture_seed = 1000
    for n in range(posts):
        author = rng.choice(people[1:] if demo_password is None else people[2:]) if n else people[0]
        topic = rng.choice(list(TOPICS))
        uploads = []
        if n < videos:
            uploads.append(
                storage.identify(pictures.video(picture_seed), "A slow pan across hills at dusk")
            )
            picture_seed += 1
        elif topic in TOPIC_IMAGE and rng.random() < image_share * 2:
            img, what = pictures.picture(picture_seed)
            picture_seed += 1
            uploads.append(storage.identify(pictures.jpeg(img), f"Photo: {what}"))
        when = now - timedelta(minutes=rng.randint(5, 14 * 24 * 60))
        text = (
            "Welcome to Tidepool! Say hello with #placeholdertag" if n == 0 else _text(rng, topic)
        )
        post = publish_post(author=author, text=text, uploads=uploads, created_at=when)
        views = int(rng.lognormvariate(4.0, 1.3)) + (300 if uploads else 0)
        reshares = min(len(people) - 1, int(views * rng.uniform(0.0, 0.03)))
        with transaction.atomic():
            sharers = rng.sample(people, reshares)
            Reshare.objects.bulk_create([Reshare(profile=p, post=post) for p in sharers])
            Post.objects.filter(pk=post.pk).update(
                views=F("views") + views, reshares=F("reshares") + len(sharers)
            )
        made += 1
    with transaction.atomic():  # the reach each post has reached, for Shieldwall's priorities
        events.enqueue(
            sw_events.post_metrics(public_id, views, reshares)
            for public_id, views, reshares in Post.objects.values_list(
                "public_id", "views", "reshares"
            )
        )
    return SeedResult(len(people), made)
