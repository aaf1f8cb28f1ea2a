"""Median and p99 of 100 renders of the service form fragment, per language and service:
`.venv/bin/python scripts/time_form_render.py` (SQLite, the sandbox on loopback)."""
import statistics, time, sys
sys.path.insert(0, ".")
from tests.conftest import app_settings, CSRFClient, login, TEST_PASSWORD
from webapp import create_app
from webapp.extensions import db
from webapp.models import Role, User
from webapp.auth.passwords import hash_password
from webapp.sandbox import start_sandbox
import tempfile
sb = start_sandbox(port=0)
d = tempfile.mkdtemp()
app = create_app(app_settings(f"sqlite:///{d}/t.sqlite", sb.url))
with app.app_context():
    db.create_all()
    u = User(username="olga", password_hash=hash_password(TEST_PASSWORD)); u.set_roles({Role.OPERATOR}); db.session.add(u); db.session.commit()
app.test_client_class = CSRFClient
c = app.test_client(); login(c, "olga")
for lang in ("en", "ru", "uk"):
  for svc, cur, amt in [("test_usd","USD","10"),("card_uah","UAH","500"),("swift_gbp","GBP","100")]:
    url = f"/payouts/new?currency={cur}&amount={amt}&service={svc}"
    c.get(url, headers={"Accept-Language": lang})
    times=[]
    for _ in range(100):
        t=time.perf_counter(); r=c.get(url, headers={"HX-Request":"true","Accept-Language":lang}); times.append((time.perf_counter()-t)*1000)
        assert r.status_code==200
    print(f"{lang} {svc:<10} fragment median {statistics.median(times):.2f} ms  p99 {sorted(times)[98]:.2f} ms")
sb.stop()
