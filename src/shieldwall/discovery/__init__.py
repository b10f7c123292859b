"""Discovery: new hashtags and accounts found from the event stream, close to blocked tags."""
