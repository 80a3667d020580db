#!/usr/bin/env python3
"""Drives the page of `recommender serve` in Debian's Chromium (headless, through chromedriver):
You panel (search, rate three movies with stars -> recommendations appear and change),
Neighbours panel (search -> neighbours shown for both models), Models panel (models listed).
Writes a screenshot of each panel into OUT_DIR.

usage: serve-selenium.py BASE_URL SEARCH_TEXT OUT_DIR"""
import os, sys, time
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base, search, out = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
options = Options()
for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
    options.add_argument(a)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 20)
failures = []
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond: failures.append(what)
try:
    driver.get(base + "/")
    wait.until(lambda d: d.find_element(By.ID, "status").text == "connected")
    user = driver.find_element(By.ID, "you-user")
    user.clear(); user.send_keys("selenium-%d" % int(time.time())); user.send_keys("\t")
    box = driver.find_element(By.ID, "you-search")
    box.send_keys(search)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#you-results li .stars")) >= 3)
    recs_before = None
    for n in range(3):
        rows = driver.find_elements(By.CSS_SELECTOR, "#you-results li")
        rows[n].find_element(By.CSS_SELECTOR, "button[data-stars='5']").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#you-ratings li")) == n + 1)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#you-recs li")) > 0)
        time.sleep(0.3)
        recs = [li.get_attribute("data-item") for li in driver.find_elements(By.CSS_SELECTOR, "#you-recs li")]
        if n == 0: recs_before = recs
    check(len(driver.find_elements(By.CSS_SELECTOR, "#you-ratings li")) == 3, "three ratings stored and listed")
    check(len(recs) == 10, "ten recommendations shown")
    check(recs != recs_before, "recommendations changed after rating more movies")
    driver.save_screenshot(os.path.join(out, "panel-you.png"))

    driver.find_element(By.ID, "tab-neighbours").click()
    driver.find_element(By.ID, "nb-search").send_keys(search)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#nb-results li .title")) > 0)
    driver.find_elements(By.CSS_SELECTOR, "#nb-results li .title")[0].click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#nb-a li")) > 0 and len(d.find_elements(By.CSS_SELECTOR, "#nb-b li")) > 0)
    check(len(driver.find_elements(By.CSS_SELECTOR, "#nb-a li")) == 10, "neighbours shown (left model)")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#nb-b li")) >= 1, "neighbours shown (right model)")
    driver.save_screenshot(os.path.join(out, "panel-neighbours.png"))

    driver.find_element(By.ID, "tab-models").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#models-table tbody tr")) > 0)
    check(len(driver.find_elements(By.CSS_SELECTOR, "#models-table tbody tr")) >= 1, "models listed")
    driver.save_screenshot(os.path.join(out, "panel-models.png"))
finally:
    driver.quit()
sys.exit(1 if failures else 0)
