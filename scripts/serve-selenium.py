#!/usr/bin/env python3
"""Drives the page of `recommender serve` in Debian's Chromium (headless, through chromedriver),
one check per panel, and writes a screenshot of each panel into OUT_DIR (panel-*.png):
  You        - rate three movies with stars -> recommendations appear and change;
  Explore    - tables and charts shown; selecting a genre changes the selection, a table and a chart;
  Train      - start a run of ALGORITHM -> the curve gets points, the run succeeds, the new model is served;
  Neighbours - search -> neighbours under cosine and dot for two different models;
  Map        - t-SNE points drawn, hovering a point shows its title, zoom changes the view;
  Models     - the served models listed (the trained one included).
The server must have been started with a data set (--ratings/--dataset) for Explore and Train.
Screenshots only: point it at any running server (e.g. `recommender serve ... --dataset ml-100k`):
  scripts/serve-selenium.py http://127.0.0.1:8080 star .build/screenshots

usage: serve-selenium.py BASE_URL SEARCH_TEXT OUT_DIR [ALGORITHM (default svd)]"""
import os, sys, time
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

base, search, out = sys.argv[1], sys.argv[2], sys.argv[3]
algorithm = sys.argv[4] if len(sys.argv) > 4 else "svd"
os.makedirs(out, exist_ok=True)
options = Options()
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000"]:
    options.add_argument(a)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 30)
slow = WebDriverWait(driver, 240)  # training and t-SNE in a debug build
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond: failures.append(what)
def css(selector): return driver.find_elements(By.CSS_SELECTOR, selector)
def tab(name):
    driver.find_element(By.ID, "tab-" + name).click()
    wait.until(lambda d: d.find_element(By.ID, "panel-" + name).is_displayed())
def shot(name):
    # The whole panel, not only the window: grow the window to the page's height for the picture.
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, max(1000, min(int(height) + 40, 6000)))
    driver.save_screenshot(os.path.join(out, "panel-%s.png" % name))
    driver.set_window_size(1400, 1000)
def step(name, body):
    try:
        body()
    except Exception as e:  # one panel's failure must not hide the others'
        check(False, "%s panel: %s: %s" % (name, type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
        try: shot(name)
        except Exception: pass

def you():
    user = driver.find_element(By.ID, "you-user")
    name = "selenium-%d" % int(time.time())
    # Replace the field's text by selecting it and typing over it (clear() fires a change event on an
    # empty field; the page keeps the previous name then, so the typed name is checked below).
    user.click(); user.send_keys(Keys.CONTROL, "a"); user.send_keys(name); user.send_keys(Keys.TAB)
    check(user.get_attribute("value") == name, "the name field holds exactly the typed name")
    box = driver.find_element(By.ID, "you-search")
    box.send_keys(search)
    wait.until(lambda d: len(css("#you-results li .stars")) >= 3)
    recs_before, recs = None, []
    for n in range(3):
        css("#you-results li")[n].find_element(By.CSS_SELECTOR, "button[data-stars='5']").click()
        wait.until(lambda d: len(css("#you-ratings li")) == n + 1)
        wait.until(lambda d: len(css("#you-recs li[data-item]")) > 0)
        time.sleep(0.3)
        recs = [li.get_attribute("data-item") for li in css("#you-recs li[data-item]")]
        if n == 0: recs_before = recs
    check(len(css("#you-ratings li")) == 3, "You: three ratings stored and listed")
    check(len(recs) == 10, "You: ten recommendations shown")
    check(recs != recs_before, "You: recommendations changed after rating more movies")
    shot("you")

def explore():
    tab("explore")
    wait.until(lambda d: len(css("#explore-charts figure svg")) > 0 or "No data" in d.find_element(By.ID, "explore-note").text)
    check(len(css("#explore-charts figure svg")) >= 3, "Explore: charts drawn (%d)" % len(css("#explore-charts figure svg")))
    check(len(css("#explore-top-count tr")) > 1, "Explore: most-rated table filled")
    summary = driver.find_element(By.ID, "explore-summary").text
    chart = css("#explore-charts figure[data-chart='rating-values']")
    chart_before = chart[0].get_attribute("innerHTML") if chart else ""
    top_before = driver.find_element(By.ID, "explore-top-count").text
    check(len([o for o in css("#explore-genre option") if o.get_attribute("value")]) > 0, "Explore: genres offered in the menu")
    # Select the genre with the most ratings by clicking its row (as an Altair selection); the menu
    # selects the same way (both reload the panel for the subset).
    row = css("#explore-genres tr[data-name]")[0]
    genre = row.get_attribute("data-name")
    row.click()
    wait.until(lambda d: d.find_element(By.ID, "explore-summary").text != summary)
    time.sleep(0.3)
    chart = css("#explore-charts figure[data-chart='rating-values']")
    check(Select(driver.find_element(By.ID, "explore-genre")).first_selected_option.get_attribute("value") == genre, "Explore: the menu shows the clicked genre")
    check(genre in driver.find_element(By.ID, "explore-summary").text, "Explore: the selection names the genre (%s)" % genre)
    check(driver.find_element(By.ID, "explore-top-count").text != top_before, "Explore: the most-rated table changed with the genre")
    check(bool(chart) and chart[0].get_attribute("innerHTML") != chart_before, "Explore: the rating-values chart changed with the genre")
    check(len(css("#explore-genres tr.selected")) == 1, "Explore: the selected genre is highlighted in its table")
    shot("explore")

def train():
    tab("train")
    wait.until(lambda d: len(css("#train-algorithm option")) > 0)
    Select(driver.find_element(By.ID, "train-algorithm")).select_by_value(algorithm)
    for name, value in [("epochs", "6"), ("iterations", "6")]:
        for field in css("#train-params input[data-param='%s']" % name):
            field.send_keys(Keys.CONTROL, "a"); field.send_keys(value)
    name = driver.find_element(By.ID, "train-name").get_attribute("value")
    driver.find_element(By.ID, "train-start").click()
    slow.until(lambda d: len(css("#train-charts circle.pt")) > 0 or "error" in (d.find_element(By.ID, "train-status").get_attribute("class") or ""))
    check(len(css("#train-charts circle.pt")) > 0, "Train: the curve gets points (%d)" % len(css("#train-charts circle.pt")))
    slow.until(lambda d: d.find_element(By.ID, "train-status").get_attribute("data-state") in ("succeeded", "failed"))
    status = driver.find_element(By.ID, "train-status")
    check(status.get_attribute("data-state") == "succeeded", "Train: the run succeeded (%s)" % status.text)
    check(len(css("#train-charts svg.curve")) >= 1 and len(css("#train-charts circle.pt")) >= 6, "Train: one point per step (%d points)" % len(css("#train-charts circle.pt")))
    wait.until(lambda d: len(css("#models-table tbody tr[data-model='%s']" % name)) == 1)
    check(len(css("#models-table tbody tr[data-model='%s']" % name)) == 1, "Train: the new model '%s' is served" % name)
    shot("train")

def neighbours():
    tab("neighbours")
    driver.find_element(By.ID, "nb-search").send_keys(search)
    wait.until(lambda d: len(css("#nb-results li .title")) > 0)
    css("#nb-results li .title")[0].click()
    lists = ["#nb-a-cosine", "#nb-a-dot", "#nb-b-cosine", "#nb-b-dot"]
    wait.until(lambda d: all(len(css(l + " li[data-item]")) > 0 for l in lists))
    a, b = (Select(driver.find_element(By.ID, i)).first_selected_option.get_attribute("value") for i in ("nb-model-a", "nb-model-b"))
    check(a != b, "Neighbours: two different models side by side (%s, %s)" % (a, b))
    for l in lists:
        check(len(css(l + " li[data-item]")) == 10, "Neighbours: ten neighbours in %s" % l)
    shot("neighbours")

def map_panel():
    tab("map")
    slow.until(lambda d: len(css("#map-svg circle.pt")) > 0 or "error" in (d.find_element(By.ID, "map-note").get_attribute("class") or ""))
    points = css("#map-svg circle.pt")
    check(len(points) > 0, "Map: points drawn (%d)" % len(points))
    check(len(css("#norm-svg circle.pt")) == len(points), "Map: norm-vs-popularity points drawn")
    target = points[len(points) // 2]
    ActionChains(driver).move_to_element(target).perform()
    wait.until(lambda d: d.find_element(By.ID, "map-tip").is_displayed())
    tip = driver.find_element(By.ID, "map-tip").text
    check(tip != "" and tip == target.get_attribute("data-title"), "Map: hover shows the title (%s)" % tip)
    box = driver.find_element(By.ID, "map-svg").get_dom_attribute("viewBox")
    driver.find_element(By.ID, "map-zoom-in").click()
    zoomed = driver.find_element(By.ID, "map-svg").get_dom_attribute("viewBox")
    check(zoomed != box, "Map: zoom changes the view (%s -> %s)" % (box, zoomed))
    driver.find_element(By.ID, "map-reset").click()
    ActionChains(driver).move_to_element(target).perform()
    shot("map")

def models():
    tab("models")
    wait.until(lambda d: len(css("#models-table tbody tr")) > 0)
    check(len(css("#models-table tbody tr")) >= 2, "Models: models listed")
    shot("models")

try:
    driver.get(base + "/")
    wait.until(lambda d: d.find_element(By.ID, "status").text == "connected" and d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    for name, body in [("you", you), ("explore", explore), ("train", train), ("neighbours", neighbours), ("map", map_panel), ("models", models)]:
        step(name, body)
finally:
    driver.quit()
print("screenshots in %s" % out)
sys.exit(1 if failures else 0)
