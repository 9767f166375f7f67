"""The benchmark's Scrapy spider: same extraction and link following as bench/shop-spider.ts.

scrapy runspider bench/scrapy_shop.py -a origin=http://127.0.0.1:PORT -O items.jsonl -s CONCURRENT_REQUESTS=32

Scrapy's duplicate filter keys requests with w3lib's canonicalize_url, which sorts the query and drops the fragment
but keeps utm_* arguments: the spider drops those itself before following, as a Scrapy user crawling a site with
tracker-tagged links does, so every page of the realistic shop is fetched once.
"""
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy


def without_trackers(url):
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")]
    return urlunsplit(parts._replace(query=urlencode(query)))


class ShopSpider(scrapy.Spider):
    name = "bench-shop"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "RETRY_ENABLED": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    }

    def __init__(self, origin="http://127.0.0.1:8080", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = [origin.rstrip("/") + "/"]
        self.allowed_domains = [urlsplit(origin).hostname]

    def start_requests(self):
        # Scrapy sends start URLs with dont_filter=True: the home page would be fetched again from its links.
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=False)

    def parse(self, response):
        if urlsplit(response.url).path.startswith("/product/"):
            yield {
                "url": response.url,
                "title": response.css("h1.product-title::text").get(),
                "price": response.css(".price::text").get(),
                "sku": response.css(".sku::text").get(),
            }
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if url.startswith(("http://", "https://")):
                yield scrapy.Request(without_trackers(url), callback=self.parse)
